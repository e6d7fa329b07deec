# SPDX-License-Identifier: EUPL-1.2
"""Hotspots: Getis–Ord Gi* and local Moran's I of one indicator, period and level, on maps.

``/hotspots?indicator=ID&periode=JJJJ&niveau=buurt|wijk|stadsdeel|gemeente&maat=rate|count``.
Below the gemeente level the analysis covers the programme municipality's own areas; at
gemeente level every gemeente of the Netherlands. The analysis
(:func:`veiligstad.services.hotspots.analyse`, a few seconds) runs once per snapshot and
combination with a short-lived warehouse connection and is kept in ``snapshot.memo``.

Fewer than 30 areas (Maastricht's wijken and stadsdelen): the page shows the service's plain
Dutch refusal instead of maps and labels. ``maat``: rates per inhabitant without the
non-residential areas (default for rate indicators) or counts of all areas; the page says
which measure was used and which areas were left out and why.

Disclosure. The analysis runs on all registrations: leaving a suppressed area out would
change its neighbours' neighbourhoods and so the categories everyone sees. The page says so.
For an area whose count is suppressed (``< 5``) the page shows no value, count, smoothed
value, z, p, category, LISA quadrant or cluster (``afgeschermd``), and its neighbours show no
z and p (the suppressed count is a term of their neighbourhood sum and could be worked back
from them); :func:`veiligstad.services.hotspots.public_frame` applies the rule. The
neighbours' categories and clusters are shown: they are coarse, and describe a neighbourhood.

Emerging hotspots (:mod:`veiligstad.services.emerging`) run on the public values when the
indicator has enough consecutive periods at the level; otherwise the page shows the refusal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from fastapi import APIRouter, Request, Response

from veiligstad.definitions.glossary import glossary
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.errors import BadRequest, NotFound, VeiligstadError
from veiligstad.reports import charts, language
from veiligstad.services import emerging, gaps
from veiligstad.services.snapshot import Snapshot
from veiligstad.spatial.emerging import MIN_STEPS
from veiligstad.spatial.labels import MIN_AREAS as MIN_ANALYSED
from veiligstad.spatial.labels import MIN_RESIDENTS, NOT_SIGNIFICANT, TooFewAreas
from veiligstad.web import downloads, i18n
from veiligstad.web.auth import viewer
from veiligstad.web.templating import render

if TYPE_CHECKING:
    from veiligstad.services.hotspots import HotspotAnalysis

router = APIRouter(include_in_schema=False)

LEVELS = ("buurt", "wijk", "stadsdeel", "gemeente")
DEFAULT_INDICATOR = "misdrijven-totaal"
DEFAULT_LEVEL = "buurt"
#: A level is offered when at least this many areas have a value and a boundary; the service
#: refuses fewer than 30 (:data:`~veiligstad.spatial.labels.MIN_AREAS`) and the page says so.
MIN_AREAS = 3
#: ``maat``: the measure analysed (``services.hotspots.Measure`` values, without importing PySAL).
MEASURES = {"rate": "cijfer per inwoners", "count": "aantal registraties"}
#: Label of the service for an area whose own results are withheld.
WITHHELD = "afgeschermd"
#: Label of the service (:mod:`veiligstad.services.hotspots`), kept here so that the page module
#: does not import PySAL (seconds) when the app starts.
NOT_ANALYSED = "niet geanalyseerd"
#: A level's areas in plain Dutch (the page's summary: "buurten waar … opvallend hoog ligt").
LEVEL_PLURALS = {"buurt": "buurten", "wijk": "wijken", "stadsdeel": "stadsdelen", "gemeente": "gemeenten"}
#: The flag the service puts on an area with few inhabitants (its rate is uncertain).
FEW_RESIDENTS = "weinig inwoners"
#: Width of each map in pixels (the legend comes on top of it).
MAP_WIDTH = 340

#: Gi* categories → colour (ColorBrewer RdBu), keyed by the service's labels.
CATEGORY_COLOURS = {**charts.HOTSPOT_COLOURS, WITHHELD: "#969696"}
#: LISA clusters: what the quadrant means, and a colour-blind safe colour (RdBu).
LISA_LABELS = {
    "HH": "HH: hoog, buren hoog",
    "HL": "HL: hoog, buren laag",
    "LH": "LH: laag, buren hoog",
    "LL": "LL: laag, buren laag",
}
LISA_COLOURS = {
    LISA_LABELS["HH"]: "#b2182b",
    LISA_LABELS["HL"]: "#f4a582",
    LISA_LABELS["LH"]: "#92c5de",
    LISA_LABELS["LL"]: "#2166ac",
    NOT_SIGNIFICANT: "#f7f7f7",
    NOT_ANALYSED: charts.NO_VALUE,
    WITHHELD: "#969696",
}
#: Emerging-hotspot categories: hot in reds (strongest for intensifying), cold in blues.
EMERGING_COLOURS = {
    "intensiverende hotspot": "#67001f",
    "aanhoudende hotspot": "#b2182b",
    "nieuwe hotspot": "#d6604d",
    "opeenvolgende hotspot": "#f4a582",
    "afnemende hotspot": "#fddbc7",
    "sporadische hotspot": "#fee8c8",
    "oscillerende hotspot": "#fdae6b",
    "historische hotspot": "#e0c6b8",
    "geen patroon": "#f7f7f7",
    "historische coldspot": "#c6d4e1",
    "oscillerende coldspot": "#9ecae1",
    "sporadische coldspot": "#deebf7",
    "afnemende coldspot": "#d1e5f0",
    "opeenvolgende coldspot": "#92c5de",
    "nieuwe coldspot": "#4393c3",
    "aanhoudende coldspot": "#2166ac",
    "intensiverende coldspot": "#053061",
    emerging.NOT_ANALYSED: charts.NO_VALUE,
}


@dataclass(frozen=True)
class Choice:
    """What the page analyses; ``measure`` None: the service's default for the indicator."""

    indicator: Indicator
    level: str
    period: str
    measure: str | None = None


def level_areas(snapshot: Snapshot, level: str) -> pd.DataFrame:
    """The areas of a level that have a boundary: all gemeenten, or the municipality's own areas."""
    rows = (
        snapshot.areas[snapshot.areas["level"] == level] if level == "gemeente" else snapshot.own_areas(level)
    )
    return rows[rows["code"].isin(snapshot.geometries.keys())].sort_values("code")


def options(snapshot: Snapshot) -> pd.DataFrame:
    """Indicator, level and year with a value in at least :data:`MIN_AREAS` areas with a boundary."""
    key = ("hotspots", "options")
    if key not in snapshot.memo:
        # Every period with area values: years, and months, quarters or halves where a table
        # has them per area (47022NED monthly per buurt).
        values = snapshot.values[snapshot.values["value"].notna()]
        parts = []
        for level in LEVELS:
            codes = set(level_areas(snapshot, level)["code"])
            found = values[(values["level"] == level) & values["area_code"].isin(codes)]
            counts = found.groupby(["indicator_id", "period"])["area_code"].nunique().reset_index()
            parts.append(counts.assign(level=level))
        frame = pd.concat(parts, ignore_index=True).rename(columns={"area_code": "areas"})
        snapshot.memo[key] = frame[frame["areas"] >= MIN_AREAS][["indicator_id", "level", "period", "areas"]]
    result: pd.DataFrame = snapshot.memo[key]
    return result


def choose(
    snapshot: Snapshot,
    indicator_id: str | None,
    level: str | None,
    period: str | None,
    measure: str | None = None,
) -> Choice:
    """Check the query (Dutch 400/404 with the valid choices) and fill in the defaults."""
    found = options(snapshot)
    usable = [i for i in snapshot.definitions.indicators() if i.id in set(found["indicator_id"])]
    names = ", ".join(i.id for i in usable) or "geen"
    if indicator_id is None:
        indicator = snapshot.indicator(DEFAULT_INDICATOR) if DEFAULT_INDICATOR in names.split(", ") else None
        indicator = indicator or (usable[0] if usable else None)
        if indicator is None:
            raise NotFound(
                "Er zijn nog geen waarden om hotspots in te zoeken.", hint="Importeer gegevens per buurt."
            )
    else:
        known = snapshot.indicator(indicator_id)
        if known is None:
            raise NotFound(f"Onbekende indicator '{indicator_id}'.", hint=f"Kies een van: {names}.")
        indicator = known
    mine = found[found["indicator_id"] == indicator.id]
    if level is not None and level not in LEVELS:
        raise BadRequest(f"Onbekend niveau '{level}'.", hint=f"Kies een van: {', '.join(LEVELS)}.")
    if mine.empty:
        raise NotFound(
            f"Voor '{indicator.id}' zijn er geen perioden met waarden in minstens {MIN_AREAS} gebieden. "
            + why_missing(snapshot, indicator.id, level or DEFAULT_LEVEL),
            hint=f"Hotspots zijn te zoeken voor: {names}.",
        )
    levels = [lvl for lvl in LEVELS if lvl in set(mine["level"])]
    level = level or (DEFAULT_LEVEL if DEFAULT_LEVEL in levels else levels[0])
    if level not in levels:
        raise NotFound(
            f"Voor '{indicator.id}' zijn er op niveau {level} te weinig gebieden met een waarde. "
            + why_missing(snapshot, indicator.id, level),
            hint=f"Kies een van: {', '.join(levels)}.",
        )
    periods = sorted(mine.loc[mine["level"] == level, "period"])
    if period is not None and period not in periods:
        raise NotFound(
            f"Geen waarden van '{indicator.id}' voor periode {period} op niveau {level}.",
            hint=f"Beschikbare perioden: {', '.join(periods)}.",
        )
    if measure is not None and (measure not in MEASURES or indicator.kind is not IndicatorKind.RATE):
        allowed = (
            ", ".join(MEASURES)
            if indicator.kind is IndicatorKind.RATE
            else "geen (alleen bij cijfers per inwoner)"
        )
        raise BadRequest(f"Onbekende of ongeldige maat '{measure}'.", hint=f"Kies een van: {allowed}.")
    return Choice(indicator, level, period or periods[-1], measure)


def why_missing(snapshot: Snapshot, indicator_id: str, level: str) -> str:
    """Why an indicator has no figures per ``level`` and what fills them, in plain Dutch without
    commands (``services.gaps``)."""
    gap = gaps.gap_at(snapshot.memo, snapshot.definitions, indicator_id, level)
    return f"{gap.why} {gap.fill}" if gap is not None and gap.why else ""


def analysis(snapshot: Snapshot, url: str, choice: Choice) -> HotspotAnalysis:
    """The service's analysis, once per snapshot and shared with the API."""
    from veiligstad.services import hotspots as service  # PySAL: seconds to import

    municipality = None if choice.level == "gemeente" else snapshot.municipality
    return service.cached(
        snapshot.memo,
        url,
        snapshot.definitions,
        choice.indicator.id,
        choice.period,
        choice.level,
        municipality,
        measure=choice.measure,
    )


def suppressed_codes(snapshot: Snapshot, indicator_id: str, period: str, level: str) -> dict[str, str]:
    """Area code → its public label (``< 5``) for the suppressed counts of one indicator and period."""
    values = snapshot.public_values
    rows = values[
        (values["indicator_id"] == indicator_id)
        & (values["period"] == period)
        & (values["level"] == level)
        & values["suppressed"].astype(bool)
    ]
    return dict(zip(rows["area_code"].astype(str), rows["disclosure"].astype(str), strict=True))


#: Columns of the download (also when the analysis was refused).
TABLE_COLUMNS = [
    "code",
    "gebied",
    "waarde",
    "aantal",
    "noemer",
    "gesmoothte_waarde",
    "z",
    "p",
    "p_fdr",
    "categorie",
    "lisa_cluster",
    "afscherming",
    "opmerkingen",
]


def public_table(snapshot: Snapshot, result: HotspotAnalysis) -> pd.DataFrame:
    """One row per area for the page and the download, after disclosure control."""
    hidden = suppressed_codes(snapshot, result.indicator.id, result.period, result.level)
    from veiligstad.services import hotspots as service  # PySAL: seconds to import

    _, masked = service.masked(result, hidden)
    frame = service.public_frame(result, hidden)
    codes = [str(c) for c in frame["area_code"]]
    out = pd.DataFrame(
        {
            "code": codes,
            "gebied": [str(n or c) for n, c in zip(frame["area_name"], codes, strict=True)],
            "waarde": frame["value"],
            "aantal": frame["numerator"],
            "noemer": frame["denominator"],
            "gesmoothte_waarde": frame["smoothed_value"],
            "z": frame["z"],
            "p": frame["p"].astype(float).round(6),
            "p_fdr": frame["p_fdr"].astype(float).round(6),
            "categorie": frame["category"],
            "lisa_cluster": frame["lisa_cluster"],
            "afscherming": [hidden.get(c, "") for c in codes],
            "opmerkingen": frame["flags"],
        }
    )
    note = "z en p niet getoond: afgeschermd aantal in de buurt"
    out.loc[out["code"].isin(masked), "opmerkingen"] = [
        "; ".join(x for x in (str(flags), note) if x)
        for flags in out.loc[out["code"].isin(masked), "opmerkingen"]
    ]
    # the download rounds as the page shows, a count to whole numbers (full precision: csv-raw)
    places = 0 if result.measure.value == "count" else result.indicator.decimals
    return downloads.with_decimals(
        out[TABLE_COLUMNS], places, ("waarde", "gesmoothte_waarde"), {"z": 2, "p": 3, "p_fdr": 3}
    )


def category_spec(
    snapshot: Snapshot,
    table: pd.DataFrame,
    column: str,
    colours: dict[str, str],
    lang: str,
    title: str,
    labels: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """A category map of ``column`` (translated labels, fixed colours); None without boundaries."""
    features = []
    for row in table.to_dict(orient="records"):
        geometry = snapshot.geometries.get(str(row["code"]))
        if geometry is None:
            continue
        label = (labels or {}).get(str(row[column]), str(row[column]))
        features.append(
            charts.feature(
                str(row["code"]), str(row["gebied"]), geometry, category=i18n.translate(label, lang)
            )
        )
    if not features:
        return None
    translated = {i18n.translate(label, lang): colour for label, colour in colours.items()}
    spec = charts.category_map(features, translated, title=i18n.translate(title, lang), lang=lang)
    spec["width"] = MAP_WIDTH  # two maps side by side on a wide screen
    return spec


@dataclass(frozen=True)
class Emerging:
    """The emerging-hotspot part of the page: a result, or why there is none."""

    periods: list[str]
    result: emerging.EmergingAnalysis | None
    message: str = ""
    hint: str = ""
    too_few_steps: bool = False


def emerging_part(snapshot: Snapshot, choice: Choice) -> Emerging:
    """Emerging hotspots on the public values, or the refusal (too few consecutive periods)."""
    key = ("hotspots", "emerging", choice.indicator.id, choice.level)
    if key not in snapshot.memo:
        areas = level_areas(snapshot, choice.level)
        names = {str(c): str(n or c) for c, n in zip(areas["code"], areas["name"], strict=True)}
        values = snapshot.public_values
        periods = emerging.steps(values, choice.indicator.id, choice.level, names)
        try:
            shapes = {code: json.dumps(snapshot.geometries[code]) for code in names}
            result = emerging.analyse(values, choice.indicator.id, choice.level, names, shapes)
            snapshot.memo[key] = Emerging(periods, result)
        except VeiligstadError as exc:  # too few periods or areas: say so, in Dutch
            too_few = not emerging.enough_steps(periods)
            snapshot.memo[key] = Emerging(periods, None, exc.message, exc.hint, too_few)
    part: Emerging = snapshot.memo[key]
    return part


def emerging_table(part: Emerging) -> pd.DataFrame:
    """Download of the emerging-hotspot categories."""
    if part.result is None:
        return pd.DataFrame(
            columns=["code", "gebied", "categorie", "z", "p", "p_fdr", "hot_steps", "cold_steps", "reden"]
        )
    frame = part.result.frame
    return pd.DataFrame(
        {
            "code": frame["area_code"],
            "gebied": frame["area_name"],
            "categorie": frame["category"],
            "z": frame["z"],
            "p": frame["p"],
            "p_fdr": frame["p_fdr"],
            "hot_steps": frame["hot_steps"],
            "cold_steps": frame["cold_steps"],
            "reden": frame["reason"],
        }
    )


def maps(
    snapshot: Snapshot, choice: Choice, table: pd.DataFrame | None, part: Emerging, lang: str
) -> dict[str, Any]:
    """The three map specifications, once per snapshot, choice and language (Altair takes ~50 ms).

    No table (the analysis was refused): no Gi* and LISA maps."""
    key = ("hotspots", "maps", choice.indicator.id, choice.period, choice.level, choice.measure, lang)
    if key not in snapshot.memo:
        lisa = gi = None
        if table is not None:
            lisa = category_spec(
                snapshot, table, "lisa_cluster", LISA_COLOURS, lang, "LISA-cluster", LISA_LABELS
            )
            gi = category_spec(snapshot, table, "categorie", CATEGORY_COLOURS, lang, "categorie")
        trend = None
        if part.result is not None:
            frame = part.result.frame[["area_code", "area_name", "category"]]
            frame = frame.set_axis(["code", "gebied", "category"], axis=1)
            trend = category_spec(snapshot, frame, "category", EMERGING_COLOURS, lang, "opkomende hotspots")
        snapshot.memo[key] = {
            "gi_spec": gi,
            "lisa_spec": lisa,
            "emerging_spec": trend,
        }
    specs: dict[str, Any] = snapshot.memo[key]
    return specs


def table_of(snapshot: Snapshot, result: HotspotAnalysis) -> pd.DataFrame:
    """:func:`public_table`, once per snapshot and analysis."""
    key = ("hotspots", "table", result.indicator.id, result.period, result.level, result.measure.value)
    if key not in snapshot.memo:
        snapshot.memo[key] = public_table(snapshot, result)
    table: pd.DataFrame = snapshot.memo[key]
    return table


@router.get("/hotspots")
def hotspots_page(
    request: Request,
    indicator: str | None = None,
    periode: str | None = None,
    niveau: str | None = None,
    maat: str | None = None,
) -> Response:
    """Gi* categories and LISA clusters on two maps, the table per area and the method; the
    refusal instead where there are fewer than 30 areas."""
    snapshot: Snapshot = request.app.state.cache.get()
    choice = choose(snapshot, indicator or None, niveau or None, periode or None, maat or None)
    result: HotspotAnalysis | None = None
    refusal: TooFewAreas | None = None
    try:
        result = analysis(snapshot, request.app.state.cache.url, choice)
    except TooFewAreas as exc:  # e.g. 7 wijken: say so instead of labelling
        refusal = exc
    table = table_of(snapshot, result) if result is not None else None
    part = emerging_part(snapshot, choice)
    found = options(snapshot)
    mine = found[found["indicator_id"] == choice.indicator.id]
    tables = {
        "hotspots": table if table is not None else pd.DataFrame(columns=TABLE_COLUMNS),
        "opkomend": emerging_table(part),
    }
    if request.query_params.get("download"):
        return render(request, "hotspots/index.html", title="Hotspots", stem=_stem(choice), tables=tables)
    explanation, lisa_note = "", ""
    if result is not None:
        from veiligstad.services.hotspots import EXPLANATION, LISA_NOTE  # imported by the analysis

        explanation, lisa_note = EXPLANATION, LISA_NOTE
    return render(
        request,
        "hotspots/index.html",
        title="Hotspots",
        stem=_stem(choice),
        tables=tables,
        choice=choice,
        result=result,
        refusal=refusal,
        min_analysed=MIN_ANALYSED,
        min_residents=MIN_RESIDENTS,
        measures=MEASURES if choice.indicator.kind is IndicatorKind.RATE else {},
        rows=[] if table is None else table.to_dict(orient="records"),
        counts={} if result is None else public_counts(result, table),
        is_rate=choice.indicator.kind is IndicatorKind.RATE,
        suppressed=0 if table is None else int((table["afscherming"] != "").sum()),
        indicators=[i for i in snapshot.definitions.indicators() if i.id in set(found["indicator_id"])],
        levels=[lvl for lvl in LEVELS if lvl in set(mine["level"])],
        periods=sorted(set(mine.loc[mine["level"] == choice.level, "period"]), reverse=True),
        lisa_labels=LISA_LABELS,
        emerging=part,
        emerging_rows=[] if part.result is None else part.result.frame.to_dict(orient="records"),
        min_steps=MIN_STEPS,
        gi_explanation=explanation,
        lisa_note=lisa_note,
        explanation=emerging.EXPLANATION,
        plain=plain_summary(table),
        LEVEL_PLURALS=LEVEL_PLURALS,
        words=glossary().pick("hotspot", "weinig-inwoners", "kleiner-dan-5", "afgeschermd"),
        technical=glossary().pick("gi-ster", "pseudo-p", "fdr", "mann-kendall"),
        engine_text=lambda text: language.label_in(str(text or ""), viewer(request).lang),
        **maps(snapshot, choice, table, part, viewer(request).lang),
    )


def plain_summary(table: pd.DataFrame | None) -> dict[str, list[dict[str, Any]]]:
    """The areas that are a hotspot or a coldspot (any confidence), strongest first, each with
    whether it has few inhabitants: the plain-Dutch summary at the top of the page.

    >>> table = pd.DataFrame({"gebied": ["A", "B", "C"], "categorie": ["hotspot 90%", "hotspot 99%",
    ...     "coldspot 95%"], "opmerkingen": ["weinig inwoners (< 200)", "", ""]})
    >>> summary = plain_summary(table)
    >>> [(r["name"], r["few"]) for r in summary["hot"]], [r["name"] for r in summary["cold"]]
    ([('B', False), ('A', True)], ['C'])
    """
    out: dict[str, list[dict[str, Any]]] = {"hot": [], "cold": []}
    if table is None:
        return out
    for kind, side in (("hot", "hotspot"), ("cold", "coldspot")):
        rows = table[table["categorie"].astype(str).str.startswith(side)]
        strength = rows["categorie"].astype(str).str.extract(r"(\d+)")[0].astype(float)
        rows = rows.assign(strength=strength).sort_values("strength", ascending=False, kind="stable")
        out[kind] = [
            {"name": str(r["gebied"]), "few": FEW_RESIDENTS in str(r["opmerkingen"] or "")}
            for r in rows.to_dict(orient="records")
        ]
    return out


def public_counts(result: HotspotAnalysis, table: pd.DataFrame | None) -> dict[str, int]:
    """Areas per category as published (a withheld category counts as ``afgeschermd``)."""
    if table is None:
        return result.counts()
    return {str(k): int(v) for k, v in table["categorie"].value_counts().sort_index().items()}


def _stem(choice: Choice) -> str:
    measure = f"-{choice.measure}" if choice.measure else ""
    return f"hotspots-{choice.indicator.id}-{choice.level}-{choice.period}{measure}"
