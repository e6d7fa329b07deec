# SPDX-License-Identifier: EUPL-1.2
"""``/hotspots``: Getis–Ord Gi* and local Moran's I of one indicator, period and level.

The analysis (999 permutations, fixed seed, Benjamini–Hochberg correction, empirical-Bayes
smoothing of rates) runs once per snapshot and combination, with a short-lived warehouse
connection, and is kept in the snapshot's memo. Below gemeente level it covers the areas of
the programme's municipality; at gemeente level all municipalities of the Netherlands.

Disclosure (the same rule as the hotspot page, ``services.hotspots.masked``): for an area whose
count is suppressed on public pages, ``value``, ``numerator`` and ``smoothed_value`` are
``null``; for that area and its neighbours ``z``, ``p``, ``p_fdr`` and ``lisa_p_fdr`` are ``null``
too, because the suppressed count is part of their neighbourhood sums. Categories and clusters,
which are coarse, are published.

Where an area's neighbourhood is every area (the centre of seven stadsdelen), Gi* has no
variance: its z is undefined and no pseudo p-value means anything. Such an area gets the
category ``niet te bepalen`` instead of what the permutation test made of it.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from veiligstad.errors import DataError, NotFound
from veiligstad.services.snapshot import Snapshot
from veiligstad.spatial.labels import UNDEFINED
from veiligstad.web.api import indicators
from veiligstad.web.api.memo import memoised
from veiligstad.web.api.parameters import ID_PATTERN, PERIOD_PATTERN, CurrentSnapshot, HotspotLevel, examples
from veiligstad.web.api.responses import Resource, SelfLink, number, path, records, responses, text

router = APIRouter(tags=["hotspots"])

MEMO = "api-hotspots"
UNDEFINED_FLAG = "Gi* niet te bepalen: alle andere gebieden zijn buren"


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
    p: float | None = Field(description="Pseudo-p uit 999 permutaties.")
    p_fdr: float | None = Field(description="p na Benjamini–Hochberg-correctie.")
    category: str = Field(description="Bijvoorbeeld `hotspot 95%`, `coldspot 90%`, `niet geanalyseerd`.")
    lisa_quadrant: str | None = Field(description="Local Moran: `HH`, `LL`, `HL` of `LH`.")
    lisa_p_fdr: float | None
    lisa_cluster: str = Field(description="Het kwadrant als het na FDR-correctie significant is.")
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
    if municipality is not None:
        codes = set(snapshot.own_areas(level)["code"])
        rows = rows[rows["area_code"].isin(codes)]
    if not (rows["period"] == period).any():
        known = sorted({str(p) for p in rows["period"]})
        hint = f"Beschikbare perioden: {', '.join(known)}." if known else "Geen waarden op dit niveau."
        raise NotFound(f"Geen waarden van '{indicator_id}' voor periode {period} op niveau {level}. {hint}")


def _suppressed(snapshot: Snapshot, indicator_id: str, period: str) -> dict[str, str]:
    values = snapshot.public_values
    chosen = (values["indicator_id"] == indicator_id) & (values["period"] == period) & values["suppressed"]
    rows = values[chosen]
    return {str(code): str(label) for code, label in zip(rows["area_code"], rows["disclosure"], strict=True)}


def _p(value: Any) -> float | None:
    """A pseudo p-value: esda gives float32 (0.387 becomes 0.38699999…), so it is rounded."""
    p = number(value)
    return None if p is None else round(p, 6)


def _area(row: dict[str, Any], hidden: dict[str, str], masked: set[str]) -> HotspotArea:
    code = str(row["area_code"])
    suppressed = code in hidden
    near = code in masked  # a suppressed count is part of this area's neighbourhood sums
    quadrant = text(row["lisa_quadrant"])
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
        lisa_quadrant=quadrant,
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


def _analyse(request: Request, snapshot: Snapshot, indicator_id: str, period: str, level: str) -> Hotspots:
    from veiligstad.services import hotspots as service  # PySAL: seconds to import, only when needed

    municipality = _municipality(snapshot, level)
    url = request.app.state.cache.url
    try:
        result = service.cached(
            snapshot.memo, url, snapshot.definitions, indicator_id, period, level, municipality
        )
    except DataError as exc:  # too few areas with a value and a boundary: no analysis exists
        raise NotFound(f"Geen hotspotanalyse mogelijk: {exc.message}") from exc
    hidden = _suppressed(snapshot, indicator_id, period)
    _, masked = service.masked(result, hidden)
    items = [_area(row, hidden, masked) for row in records(result.frame)]
    query = f"?indicator={indicator_id}&periode={period}&niveau={level}"
    return Hotspots(
        indicator_id=indicator_id,
        period=period,
        level=HotspotLevel(level),
        municipality=municipality,
        unit=result.indicator.unit,
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


@router.get("/hotspots", responses=responses(503), summary="Hotspots (Gi*) en LISA-clusters")
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
) -> Hotspots:
    """Per area: value, Gi* z, pseudo p, FDR-corrected p, category and LISA quadrant."""
    indicators.find(snapshot, indicator)
    level = niveau.value
    _check(snapshot, indicator, periode, level, _municipality(snapshot, level))
    key = (MEMO, indicator, periode, level)
    return memoised(snapshot, key, Hotspots, lambda: _analyse(request, snapshot, indicator, periode, level))
