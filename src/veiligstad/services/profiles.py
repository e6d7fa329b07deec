# SPDX-License-Identifier: EUPL-1.2
"""Area profiles: where an area sits (parents, children), its key figures and its indicators.

Key figures (inhabitants and the CBS *Kerncijfers wijken en buurten*) are context, not
indicators: they are read as raw observations, once per snapshot. A count below the
disclosure threshold is shown as ``< 5``, and a count that would give such a small one away by
subtraction (a wijk's inhabitants minus its other buurten) as ``afgeschermd``, by the same
rule as the indicators (``engine.disclosure``). Every indicator is shown with its latest value
and compared with the rest of the parent area (a buurt, wijk or stadsdeel against the rest
of its gemeente; a gemeente against the rest of Nederland), with a significance label.
Registered crime and feelings of safety are set side by side (``services.divergence``),
never averaged.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.areas import NETHERLANDS, AreaLevel
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.domain.periods import PeriodType
from veiligstad.engine import disclosure
from veiligstad.engine.significance import Signal
from veiligstad.engine.trends import AreaComparison
from veiligstad.services import divergence, monitor
from veiligstad.services.trends import versus_parent
from veiligstad.storage.warehouse import Warehouse

#: Significance labels for a difference between two areas (not a change over time).
BETWEEN_AREAS = {
    Signal.ROSE: "significant hoger",
    Signal.FELL: "significant lager",
    Signal.NO_CHANGE: "geen significant verschil",
    Signal.TOO_LITTLE: "te weinig gegevens",
}

NO_FEELING = "Geen veiligheidsbeleving gemeten voor dit gebied."
FEELING_ELSEWHERE = (
    "Veiligheidsbeleving is wel gemeten, maar niet in een jaar waarvan ook de geregistreerde "
    "criminaliteit van dit gebied bekend is; ze zijn daarom niet naast elkaar te zetten."
)
SUMMED = "som van de buurten (CBS rondt buurtaantallen af op vijftallen)"
SUMMED_INCOMPLETE = "som van de buurten met een cijfer; niet alle buurten hebben er een"


class Measure(NamedTuple):
    """How a context measure is shown: Dutch label, unit and decimals."""

    label: str
    unit: str
    decimals: int


#: Context measures in the order they are shown; other ``kwb:`` measures follow by name.
MEASURES = {
    "inwoners": Measure("Inwoners (1 januari)", "aantal", 0),
    "kwb:woningen": Measure("Woningen", "aantal", 0),
    "kwb:oppervlakte-km2": Measure("Oppervlakte", "km²", 1),
    "kwb:pct-0-14": Measure("Inwoners van 0 tot 15 jaar", "%", 0),
    "kwb:pct-15-24": Measure("Inwoners van 15 tot 25 jaar", "%", 0),
    "kwb:pct-25-44": Measure("Inwoners van 25 tot 45 jaar", "%", 0),
    "kwb:pct-45-64": Measure("Inwoners van 45 tot 65 jaar", "%", 0),
    "kwb:pct-65-plus": Measure("Inwoners van 65 jaar en ouder", "%", 0),
    "kwb:pct-koopwoningen": Measure("Koopwoningen", "%", 0),
    "kwb:woz-gemiddeld": Measure("Gemiddelde WOZ-waarde", "x 1.000 euro", 0),
    "kwb:arbeidsparticipatie-pct": Measure("Nettoarbeidsparticipatie (15-75 jaar)", "%", 1),
    "kwb:pct-hbo-wo": Measure("Hbo of wo als hoogste opleiding (15-75 jaar)", "%", 0),
    "kwb:pct-inkomen-laag": Measure("Inwoners met een laag inkomen (landelijk laagste 40%)", "%", 1),
    "kwb:pct-inkomen-hoog": Measure("Inwoners met een hoog inkomen (landelijk hoogste 20%)", "%", 1),
}

MEMO_KEY = ("profiles", "context")


def context_observations(warehouse: Warehouse) -> pd.DataFrame:
    """Yearly inhabitants and KWB key figures of every area (one query)."""
    obs = warehouse.current_observations()
    wanted = (obs.period_type == PeriodType.YEAR.value) & (
        (obs.measure == "inwoners") | obs.measure.startswith("kwb:")
    )
    frame: pd.DataFrame = (
        obs.filter(wanted).select("measure", "area_code", "year", "value", "unit").to_pandas()
    )
    return frame


def cached_context(url: str, memo: MutableMapping[Any, Any]) -> pd.DataFrame:
    """The context observations, read once per snapshot with a short-lived connection."""
    if MEMO_KEY not in memo:
        with Warehouse.open(url) as warehouse:
            memo[MEMO_KEY] = context_observations(warehouse)
    frame = memo[MEMO_KEY]
    assert isinstance(frame, pd.DataFrame)
    return frame


def _measure(code: str, unit: str) -> Measure:
    return MEASURES.get(code) or Measure(code.removeprefix("kwb:"), unit or "", 1)


def _figure_row(
    code: str,
    year: int,
    value: float | None,
    unit: str,
    note: str,
    threshold: int,
    withheld: str | None = None,
) -> dict[str, Any]:
    """One key figure, with a small count withheld as ``< threshold``, or as ``withheld`` (the
    disclosure text from ``withheld_context``) when that is given."""
    shown = _measure(code, unit)
    small = shown.unit == "aantal" and value is not None and 0 < value < threshold
    label = withheld if withheld is not None else (disclosure.label(threshold) if small else "")
    return {
        "meting": code,
        "kenmerk": shown.label,
        "jaar": int(year),
        "waarde": None if label else value,
        "eenheid": shown.unit,
        "decimalen": shown.decimals,
        "afscherming": label,
        "toelichting": note,
    }


#: Context measures that are counts (and so fall under disclosure control).
COUNTS = tuple(code for code, m in MEASURES.items() if m.unit == "aantal")


def withheld_context(
    context: pd.DataFrame, areas: pd.DataFrame, gemeente: str | None, threshold: int
) -> dict[tuple[str, str, int], str]:
    """The context counts of a gemeente's areas that are withheld, by (measure, area, year),
    with the text shown instead: small counts (``< 5``) and, as for the indicators
    (``engine.disclosure``), the counts that would give a small one away by subtraction
    (``afgeschermd``). The sums shown for areas without a figure of their own (a stadsdeel's
    inhabitants) count as published totals."""
    family = areas[areas["gemeente_code"] == gemeente] if gemeente else areas.iloc[0:0]
    codes = set(family["code"].astype(str))
    rows = context[context["area_code"].isin(codes) & context["measure"].isin(COUNTS)]
    if rows.empty:
        return {}
    frame = rows[["measure", "area_code", "year", "value"]].copy()
    own = set(zip(frame["measure"], frame["area_code"], strict=True))
    extra = []
    for row in family[family["level"] != "buurt"].to_dict(orient="records"):
        if ("inwoners", row["code"]) not in own:
            summed = _summed_inhabitants(context, _buurten(family, {str(k): v for k, v in row.items()}))
            if summed is not None:
                extra.append(
                    {"measure": "inwoners", "area_code": row["code"], "year": summed[0], "value": summed[1]}
                )
    frame = pd.concat([frame, pd.DataFrame(extra, columns=frame.columns)], ignore_index=True)
    frame = frame.rename(columns={"measure": "indicator_id", "value": "numerator"})
    frame["period"] = frame["year"].astype(int).astype(str)
    kinds = dict.fromkeys(COUNTS, IndicatorKind.COUNT)
    public = disclosure.apply(frame, kinds, threshold, family)
    hidden = public[public["suppressed"]]
    return {
        (str(r["indicator_id"]), str(r["area_code"]), int(r["year"])): str(r["disclosure"])
        for r in hidden.to_dict(orient="records")
    }


def _summed_inhabitants(context: pd.DataFrame, buurten: list[str]) -> tuple[int, float, str] | None:
    """Inhabitants as the sum of the buurten, in the latest year any of them has a figure."""
    rows = context[(context["measure"] == "inwoners") & context["area_code"].isin(buurten)]
    if rows.empty:
        return None
    year = int(rows["year"].max())
    latest = rows[rows["year"] == year]
    note = SUMMED if len(latest) == len(buurten) else SUMMED_INCOMPLETE
    return year, float(latest["value"].sum()), note


def key_figures(
    context: pd.DataFrame,
    area_code: str,
    buurten: list[str],
    threshold: int,
    withheld: dict[tuple[str, str, int], str] | None = None,
) -> pd.DataFrame:
    """The latest value of every context measure of an area.

    An area without its own inhabitants figure (a stadsdeel is the municipality's own
    grouping) gets the sum of its ``buurten``. ``withheld`` (from ``withheld_context``) says
    which counts are withheld; without it only the small counts are.
    """

    def hidden(measure: str, year: int) -> str | None:
        return None if withheld is None else withheld.get((measure, area_code, year), "")

    own = context[context["area_code"] == area_code].sort_values("year")
    latest = own.groupby("measure", sort=False).tail(1)
    rows = [
        _figure_row(
            str(r["measure"]),
            int(r["year"]),
            float(r["value"]),
            str(r["unit"]),
            "",
            threshold,
            hidden(str(r["measure"]), int(r["year"])),
        )
        for r in latest.to_dict(orient="records")
    ]
    if "inwoners" not in set(latest["measure"]) and buurten:
        summed = _summed_inhabitants(context, buurten)
        if summed is not None:
            note = summed[2]
            rows.append(
                _figure_row(
                    "inwoners", summed[0], summed[1], "aantal", note, threshold, hidden("inwoners", summed[0])
                )
            )
    order = list(MEASURES)
    rows.sort(key=lambda r: (order.index(r["meting"]) if r["meting"] in order else len(order), r["meting"]))
    columns = ["meting", "kenmerk", "jaar", "waarde", "eenheid", "decimalen", "afscherming", "toelichting"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class IndicatorFigure:
    """One indicator for one area: its latest figure and how it compares with the parent."""

    indicator: Indicator
    period: str | None
    value: float | None
    low: float | None
    high: float | None
    source: str  # "berekend", "gepubliceerd" or "" (none)
    disclosure: str
    reason: str
    versus: AreaComparison | None

    @property
    def between(self) -> str:
        """The comparison label: 'significant hoger', 'significant lager', ..."""
        return BETWEEN_AREAS[self.versus.comparison.signal] if self.versus else ""

    @property
    def other_value(self) -> float | None:
        """The figure the area is compared with: the rest of the parent, or the parent."""
        if self.versus is None:
            return None
        return self.versus.rest_value if self.versus.rest_value is not None else self.versus.parent.value


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _latest(rows: pd.DataFrame) -> pd.Series | None:
    """The latest yearly row that has something to show (a value, a published value, or '< 5')."""
    shown = rows[rows["value"].notna() | rows["published_value"].notna() | rows["suppressed"].astype(bool)]
    return None if shown.empty else shown.iloc[-1]


def indicator_figure(
    values: pd.DataFrame, indicator: Indicator, area_code: str, parent_code: str | None
) -> IndicatorFigure:
    """The latest figure of one indicator in one area, compared with the parent area."""
    rows = monitor.series(values, indicator.id, area_code)
    rows = rows[rows["period"].str.fullmatch(r"\d{4}")]
    row = _latest(rows)
    versus = (
        versus_parent(values, indicator, area_code, parent_code) if parent_code and row is not None else None
    )
    if row is None:
        reason = monitor.reason_text(rows["reason"].iloc[-1], indicator) if not rows.empty else ""
        return IndicatorFigure(indicator, None, None, None, None, "", "", reason or "geen gegevens", None)
    computed = _number(row["value"])
    published = _number(row["published_value"])
    return IndicatorFigure(
        indicator=indicator,
        period=str(row["period"]),
        value=computed if computed is not None else published,
        low=_number(row["ci_low"]) if computed is not None else None,
        high=_number(row["ci_high"]) if computed is not None else None,
        source="berekend" if computed is not None else ("gepubliceerd" if published is not None else ""),
        disclosure=str(row["disclosure"] or ""),
        reason="",
        versus=versus,
    )


class Link(NamedTuple):
    """An area to link to."""

    code: str
    name: str
    level: str


def _name(row: Any) -> str:
    name = row.get("name") if isinstance(row, dict) else row["name"]
    return str(name) if isinstance(name, str) and name else str(row["code"])


def parents(areas: pd.DataFrame, area: dict[str, Any]) -> list[Link]:
    """The areas above this one, nearest first: wijk, stadsdeel, gemeente, Nederland."""
    level = area["level"]
    codes: list[str | None] = []
    if level == AreaLevel.BUURT:
        codes += [area.get("wijk_code"), area.get("stadsdeel_code")]
    if level in (AreaLevel.BUURT, AreaLevel.WIJK, AreaLevel.STADSDEEL):
        codes.append(area.get("gemeente_code"))
    if level != AreaLevel.LAND:
        codes.append(NETHERLANDS)
    wanted = [c for c in codes if isinstance(c, str)]
    found = {str(r["code"]): r for r in areas[areas["code"].isin(wanted)].to_dict(orient="records")}
    return [Link(c, _name(found[c]), str(found[c]["level"])) for c in wanted if c in found]


def children(areas: pd.DataFrame, area: dict[str, Any]) -> dict[str, list[Link]]:
    """The areas directly below, by level: a gemeente's stadsdelen and wijken, a wijk's or
    stadsdeel's buurten. Nederland's gemeenten are not listed (too many to link)."""
    level, code = area["level"], area["code"]
    if level == AreaLevel.GEMEENTE:
        below = areas[(areas["gemeente_code"] == code) & areas["level"].isin(["stadsdeel", "wijk"])]
    elif level == AreaLevel.STADSDEEL:
        below = areas[(areas["stadsdeel_code"] == code) & (areas["level"] == "buurt")]
    elif level == AreaLevel.WIJK:
        below = areas[(areas["wijk_code"] == code) & (areas["level"] == "buurt")]
    else:
        return {}
    out: dict[str, list[Link]] = {}
    for row in below.sort_values("code").to_dict(orient="records"):
        out.setdefault(str(row["level"]), []).append(Link(str(row["code"]), _name(row), str(row["level"])))
    return {lvl: out[lvl] for lvl in ("stadsdeel", "wijk", "buurt") if lvl in out}


def comparison_parent(area: dict[str, Any]) -> str | None:
    """The area an area is compared with: its gemeente, or Nederland for a gemeente."""
    if area["level"] == AreaLevel.LAND:
        return None
    if area["level"] == AreaLevel.GEMEENTE:
        return NETHERLANDS
    code = area.get("gemeente_code")
    return code if isinstance(code, str) else None


@dataclass(frozen=True)
class Profile:
    """Everything the area page (and later the area report) shows."""

    area: dict[str, Any]
    name: str
    parents: list[Link]
    children: dict[str, list[Link]]
    parent_code: str | None
    parent_name: str
    figures: pd.DataFrame
    indicators: list[IndicatorFigure]
    divergences: list[divergence.Divergence]
    feeling_years: list[int] = field(default_factory=list)

    @property
    def with_data(self) -> list[IndicatorFigure]:
        """Indicators with a figure (or '< 5') for this area."""
        return [f for f in self.indicators if f.period is not None]

    @property
    def without_data(self) -> list[IndicatorFigure]:
        """Indicators without any figure for this area."""
        return [f for f in self.indicators if f.period is None]

    @property
    def feeling_note(self) -> str:
        """An honest sentence when crime and feeling cannot be set side by side."""
        if self.divergences:
            return ""
        if not self.feeling_years:
            return NO_FEELING
        return FEELING_ELSEWHERE


def _feeling_years(values: pd.DataFrame, area_code: str) -> list[int]:
    rows = values[
        values["indicator_id"].isin(divergence.FEELING_INDICATORS)
        & (values["area_code"] == area_code)
        & values["value"].notna()
        & values["period"].str.fullmatch(r"\d{4}")
    ]
    return sorted({int(y) for y in rows["year"]})


def profile(
    values: pd.DataFrame,
    definitions: Definitions,
    areas: pd.DataFrame,
    area: dict[str, Any],
    context: pd.DataFrame,
    threshold: int,
) -> Profile:
    """The profile of one area from the (public) values, the area register and the context."""
    code = str(area["code"])
    parent_code = comparison_parent(area)
    parent = areas[areas["code"] == parent_code] if parent_code else areas.iloc[0:0]
    buurten = _buurten(areas, area)
    gemeente = area.get("gemeente_code")
    withheld = withheld_context(context, areas, gemeente if isinstance(gemeente, str) else None, threshold)
    return Profile(
        area=area,
        name=_name(area),
        parents=parents(areas, area),
        children=children(areas, area),
        parent_code=parent_code,
        parent_name=_name(parent.iloc[0].to_dict()) if not parent.empty else "",
        figures=key_figures(context, code, buurten, threshold, withheld),
        indicators=[indicator_figure(values, i, code, parent_code) for i in definitions.indicators()],
        divergences=divergence.divergences(values, definitions, [code]),
        feeling_years=_feeling_years(values, code),
    )


def _buurten(areas: pd.DataFrame, area: dict[str, Any]) -> list[str]:
    """The buurten of an area above buurt level (for summing inhabitants)."""
    column = {"stadsdeel": "stadsdeel_code", "wijk": "wijk_code", "gemeente": "gemeente_code"}.get(
        str(area["level"])
    )
    if column is None:
        return []
    rows = areas[(areas[column] == area["code"]) & (areas["level"] == "buurt")]
    return [str(c) for c in rows["code"]]


def indicator_table(profile: Profile) -> pd.DataFrame:
    """The indicators of a profile as a download table."""
    rows = []
    for f in profile.indicators:
        versus = f.versus
        rows.append(
            {
                "indicator_id": f.indicator.id,
                "indicator": f.indicator.name,
                "eenheid": f.indicator.unit,
                "periode": f.period,
                "waarde": f.value,
                "ci_laag": f.low,
                "ci_hoog": f.high,
                "bron": f.source,
                "afscherming": f.disclosure,
                "reden_ontbreken": f.reason,
                "vergeleken_met": profile.parent_name if versus else "",
                "vergelijking_periode": versus.area.label if versus else "",
                "waarde_gebied": versus.area.value if versus else None,
                "waarde_vergelijking": f.other_value,
                "verschil": f.between,
                "p_waarde": versus.comparison.p_value if versus else None,
                "toelichting": versus.comparison.reason if versus else "",
            }
        )
    return pd.DataFrame(rows)


def divergence_table(profile: Profile) -> pd.DataFrame:
    """Registered crime next to feelings of safety, one row per pair of survey years."""
    rows = [
        {
            "van": d.before.label,
            "tot": d.after.label,
            "criminaliteit": d.crime.name,
            "criminaliteit_van": d.before.value,
            "criminaliteit_tot": d.after.value,
            "criminaliteit_signaal": d.crime_comparison.signal.value,
            "beleving": d.feeling.name,
            "beleving_van": d.feeling_before.value,
            "beleving_tot": d.feeling_after.value,
            "beleving_signaal": d.feeling_comparison.signal.value,
            "beleving_getoetst": d.feeling_tested,
            "oordeel": d.label,
            "tegenstrijdig": d.diverges,
        }
        for d in profile.divergences
    ]
    columns = "van tot criminaliteit criminaliteit_van criminaliteit_tot criminaliteit_signaal beleving"
    columns += " beleving_van beleving_tot beleving_signaal beleving_getoetst oordeel tegenstrijdig"
    return pd.DataFrame(rows, columns=columns.split())
