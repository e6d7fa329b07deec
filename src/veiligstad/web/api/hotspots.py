# SPDX-License-Identifier: EUPL-1.2
"""``/hotspots``: Getis–Ord Gi* and local Moran's I of one indicator, period and level.

The analysis (9,999 conditional permutations, fixed seed, sign and two-sided p from the same
test, Benjamini–Hochberg correction, truncated empirical-Bayes smoothing of rates) runs once
per snapshot and combination, with a short-lived warehouse connection, and is kept in the
snapshot's memo. Below gemeente level it covers the areas of the programme's municipality; at
gemeente level all municipalities of the Netherlands. ``maat=rate`` (default for rates) leaves
out areas with fewer than 100 inhabitants (listed in ``left_out`` with the reason);
``maat=count`` analyses the counts of all areas. Fewer than 30 areas (wijk, stadsdeel) is a
409 problem with the plain Dutch refusal.

Disclosure (the same rule as the hotspot page, ``services.hotspots.public_frame``): for an area
whose count is suppressed on public pages, ``value``, ``numerator``, ``smoothed_value``, ``z``,
``p``, ``p_fdr``, ``lisa_p_fdr`` and ``lisa_quadrant`` are ``null`` and ``category`` and
``lisa_cluster`` are ``afgeschermd``; for its neighbours ``z``, ``p``, ``p_fdr`` and
``lisa_p_fdr`` are ``null``, because the suppressed count is part of their neighbourhood sums.
The neighbours' categories and clusters, which are coarse, are published.

Where an area's neighbourhood is every area (the centre of seven stadsdelen), Gi* has no
variance: its z is undefined and no pseudo p-value means anything. Such an area gets the
category ``niet te bepalen`` instead of what the permutation test made of it.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import Field

from veiligstad.errors import BadRequest, NotFound
from veiligstad.services import gaps
from veiligstad.services.snapshot import Snapshot
from veiligstad.spatial.labels import UNDEFINED
from veiligstad.web.api import indicators
from veiligstad.web.api.memo import memoised
from veiligstad.web.api.parameters import ID_PATTERN, PERIOD_PATTERN, CurrentSnapshot, HotspotLevel, examples
from veiligstad.web.api.responses import Resource, SelfLink, number, path, records, responses, text

router = APIRouter(tags=["hotspots"])

MEMO = "api-hotspots"
UNDEFINED_FLAG = "Gi* niet te bepalen: alle andere gebieden zijn buren"
#: ``maat``: rates per inhabitants (without non-residential areas) or counts of all areas.
MEASURES = ("rate", "count")


class LeftOut(Resource):
    """An area left out of the analysis because of the measure (e.g. non-residential)."""

    area_code: str
    area_name: str | None
    reason: str


class Island(Resource):
    """An area without neighbours, linked to its nearest area."""

    island: str
    neighbour: str


class HotspotArea(Resource):
    """One area in the analysis."""

    area_code: str
    area_name: str | None
    value: float | None
    numerator: float | None
    denominator: float | None
    smoothed_value: float | None = Field(description="Empirical-Bayes-gladgestreken waarde (bij rates).")
    z: float | None = Field(description="Gi* z-waarde; positief: hoger dan verwacht in de buurt.")
    p: float | None = Field(
        description="Tweezijdige pseudo-p uit dezelfde permutatietoets als het teken van z."
    )
    p_fdr: float | None = Field(description="p na Benjamini–Hochberg-correctie.")
    category: str = Field(
        description="Bijvoorbeeld `hotspot 95%`, `coldspot 90%`, `niet geanalyseerd`, `afgeschermd`."
    )
    lisa_quadrant: str | None = Field(description="Local Moran: `HH`, `LL`, `HL` of `LH`.")
    lisa_p_fdr: float | None
    lisa_cluster: str = Field(
        description="Het kwadrant als het na FDR-correctie significant is en de toets dezelfde kant op "
        "wijst; een andere kijk op dezelfde cijfers, geen onafhankelijke bevestiging van de categorie."
    )
    flags: list[str] = Field(description="Bijzonderheden: weinig inwoners, eiland, geen waarde.")
    suppressed: bool
    disclosure: str | None
    links: SelfLink


class Hotspots(Resource):
    """The analysis and what was done: smoothing, islands, seed and permutations."""

    indicator_id: str
    period: str
    level: HotspotLevel
    municipality: str | None = Field(description="`null` op gemeenteniveau: heel Nederland.")
    unit: str
    measure: str = Field(
        description="`rate` (cijfer per inwoners) of `count` (aantallen); `value` bij enquêtes."
    )
    measure_label: str
    left_out: list[LeftOut] = Field(
        description="Gebieden die door de maat niet zijn geanalyseerd, met reden."
    )
    min_residents: int = Field(description="Minder inwoners: niet-woongebied, weggelaten bij `rate`.")
    test: str
    fdr: str = Field(description="Welke correctie voor meervoudig toetsen is toegepast.")
    lisa_method: str
    lisa_note: str
    smoothing: str
    min_population: int
    permutations: int
    seed: int
    analysed: int
    counts: dict[str, int] = Field(description="Aantal gebieden per categorie.")
    islands: list[Island]
    explanation: str
    items: list[HotspotArea]
    links: SelfLink


def _check(snapshot: Snapshot, indicator_id: str, period: str, level: str, municipality: str | None) -> None:
    """404 before any computing when there are no public values for the combination."""
    values = snapshot.public_values
    rows = values[(values["indicator_id"] == indicator_id) & (values["level"] == level)]
    # Periods with a figure (a suppressed one counts: the analysis runs on all registrations);
    # rows with only a denominator or a published note are no area data.
    rows = rows[rows["value"].notna() | rows["suppressed"].astype(bool)]
    if municipality is not None:
        codes = set(snapshot.own_areas(level)["code"])
        rows = rows[rows["area_code"].isin(codes)]
    if not (rows["period"] == period).any():
        known = sorted({str(p) for p in rows["period"]})
        gap = gaps.gap_at(snapshot.memo, snapshot.definitions, indicator_id, level)
        why = f"{gap.why} {gap.fill}" if gap is not None and gap.why else ""
        hint = f"Beschikbare perioden: {', '.join(known)}." if known else f"Geen waarden op dit niveau. {why}"
        raise NotFound(f"Geen waarden van '{indicator_id}' voor periode {period} op niveau {level}. {hint}")


def _suppressed(snapshot: Snapshot, indicator_id: str, period: str) -> dict[str, str]:
    values = snapshot.public_values
    chosen = (values["indicator_id"] == indicator_id) & (values["period"] == period) & values["suppressed"]
    rows = values[chosen]
    return {str(code): str(label) for code, label in zip(rows["area_code"], rows["disclosure"], strict=True)}


def _p(value: Any) -> float | None:
    """A pseudo p-value, rounded (multiples of 2/(permutations + 1) in floating point)."""
    p = number(value)
    return None if p is None else round(p, 6)


def _area(row: dict[str, Any], hidden: dict[str, str], masked: set[str]) -> HotspotArea:
    """One area of the public frame (``services.hotspots.public_frame``: the rule is applied)."""
    code = str(row["area_code"])
    suppressed = code in hidden
    near = code in masked  # a suppressed count is part of this area's neighbourhood sums
    flags = [f for f in str(row["flags"] or "").split("; ") if f]
    category = str(row["category"])
    undefined = category == UNDEFINED  # labelled by spatial.hotspots.categories
    if undefined:
        flags.append(UNDEFINED_FLAG)
    return HotspotArea(
        area_code=code,
        area_name=text(row["area_name"]),
        value=None if suppressed else number(row["value"]),
        numerator=None if suppressed else number(row["numerator"]),
        denominator=number(row["denominator"]),
        smoothed_value=None if suppressed else number(row["smoothed_value"]),
        z=None if near else number(row["z"]),
        p=None if undefined or near else _p(row["p"]),
        p_fdr=None if undefined or near else _p(row["p_fdr"]),
        category=category,
        lisa_quadrant=text(row["lisa_quadrant"]),
        lisa_p_fdr=None if near else _p(row["lisa_p_fdr"]),
        lisa_cluster=str(row["lisa_cluster"]),
        flags=flags,
        suppressed=suppressed,
        disclosure=hidden.get(code),
        links=SelfLink(self=path("gebieden", code)),
    )


def _municipality(snapshot: Snapshot, level: str) -> str | None:
    """Whose areas are analysed: the programme's municipality, or all at gemeente level."""
    return None if level == HotspotLevel.GEMEENTE else snapshot.municipality


def _analyse(
    request: Request, snapshot: Snapshot, indicator_id: str, period: str, level: str, measure: str | None
) -> Hotspots:
    from veiligstad.services import hotspots as service  # PySAL: seconds to import, only when needed

    municipality = _municipality(snapshot, level)
    url = request.app.state.cache.url
    # Fewer than 30 areas raises TooFewAreas, a DataError: a 409 problem with the Dutch refusal.
    result = service.cached(
        snapshot.memo, url, snapshot.definitions, indicator_id, period, level, municipality, measure=measure
    )
    hidden = _suppressed(snapshot, indicator_id, period)
    _, masked = service.masked(result, hidden)
    items = [_area(row, hidden, masked) for row in records(service.public_frame(result, hidden))]
    query = f"?indicator={indicator_id}&periode={period}&niveau={level}"
    if measure:
        query += f"&maat={measure}"
    return Hotspots(
        indicator_id=indicator_id,
        period=period,
        level=HotspotLevel(level),
        municipality=municipality,
        unit=result.indicator.unit,
        measure=result.measure.value,
        measure_label=result.measure.label,
        left_out=[LeftOut(area_code=c, area_name=n or None, reason=r) for c, n, r in result.left_out],
        min_residents=result.min_residents,
        test=service.TEST,
        fdr=result.fdr_text,
        lisa_method=result.lisa_method,
        lisa_note=service.LISA_NOTE,
        smoothing=result.smoothing,
        min_population=result.min_population,
        permutations=result.permutations,
        seed=result.seed,
        analysed=result.analysed,
        counts=dict(sorted(Counter(item.category for item in items).items())),
        islands=[Island(island=i.island, neighbour=i.neighbour) for i in result.islands],
        explanation=service.EXPLANATION,
        items=items,
        links=SelfLink(self=path("hotspots") + query),
    )


@router.get("/hotspots", responses=responses(409, 503), summary="Hotspots (Gi*) en LISA-clusters")
def get_hotspots(
    request: Request,
    snapshot: CurrentSnapshot,
    indicator: Annotated[
        str,
        Query(
            pattern=ID_PATTERN,
            openapi_examples=examples("misdrijven-totaal"),
            description="Id van de indicator.",
        ),
    ],
    periode: Annotated[
        str,
        Query(
            pattern=PERIOD_PATTERN,
            openapi_examples=examples("2023"),
            description="Periode, bijvoorbeeld `2023`.",
        ),
    ],
    niveau: Annotated[HotspotLevel, Query(description="Gebiedsniveau.")] = HotspotLevel.BUURT,
    maat: Annotated[
        Literal["rate", "count"] | None,
        Query(
            description="`rate`: cijfer per inwoners, zonder niet-woongebieden (standaard bij cijfers per "
            "inwoner); `count`: aantallen van alle gebieden."
        ),
    ] = None,
) -> Hotspots:
    """Per area: value, Gi* z, two-sided p, FDR-corrected p, category and LISA quadrant.

    Fewer than 30 areas: a 409 problem ("Te weinig gebieden: …, minstens 30 nodig")."""
    found = indicators.find(snapshot, indicator)
    if maat is not None and (maat not in MEASURES or found.kind.value != "rate"):
        raise BadRequest(
            f"Onbekende of ongeldige maat '{maat}'. Kies `rate` of `count` bij cijfers per inwoner."
        )
    level = niveau.value
    _check(snapshot, indicator, periode, level, _municipality(snapshot, level))
    key = (MEMO, indicator, periode, level, maat)
    return memoised(
        snapshot, key, Hotspots, lambda: _analyse(request, snapshot, indicator, periode, level, maat)
    )
