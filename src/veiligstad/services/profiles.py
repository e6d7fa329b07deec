# SPDX-License-Identifier: EUPL-1.2
"""Area profiles: where an area sits (parents, children), its key figures and its indicators.

Where an area sits is ``services.area_links``; its key figures (context, not indicators,
under the same disclosure rule) are ``services.key_figures``; both are re-exported here for
the pages and reports that build a profile. Every indicator is shown with its latest value
and compared with the rest of the parent area (a buurt, wijk or stadsdeel against the rest
of its gemeente; a gemeente against the rest of Nederland), with a significance label.
Registered crime and feelings of safety are set side by side (``services.divergence``),
never averaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.indicators import Indicator
from veiligstad.engine.significance import Signal
from veiligstad.engine.trends import AreaComparison
from veiligstad.services import divergence, monitor
from veiligstad.services.area_links import Link, buurten_of, children, comparison_parent, name_of, parents
from veiligstad.services.key_figures import (
    MEASURES,
    Measure,
    cached_context,
    context_observations,
    key_figures,
    withheld_context,
)
from veiligstad.services.trends import versus_parent

__all__ = [
    "BETWEEN_AREAS",
    "MEASURES",
    "IndicatorFigure",
    "Link",
    "Measure",
    "Profile",
    "cached_context",
    "children",
    "comparison_parent",
    "context_observations",
    "divergence_table",
    "indicator_figure",
    "indicator_table",
    "key_figures",
    "parents",
    "profile",
    "withheld_context",
]

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
    buurten = buurten_of(areas, area)
    gemeente = area.get("gemeente_code")
    withheld = withheld_context(context, areas, gemeente if isinstance(gemeente, str) else None, threshold)
    return Profile(
        area=area,
        name=name_of(area),
        parents=parents(areas, area),
        children=children(areas, area),
        parent_code=parent_code,
        parent_name=name_of(parent.iloc[0].to_dict()) if not parent.empty else "",
        figures=key_figures(context, code, buurten, threshold, withheld),
        indicators=[indicator_figure(values, i, code, parent_code) for i in definitions.indicators()],
        divergences=divergence.divergences(values, definitions, [code]),
        feeling_years=_feeling_years(values, code),
    )


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
