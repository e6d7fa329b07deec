# SPDX-License-Identifier: EUPL-1.2
"""Emerging hotspots of one indicator at one area level, from an indicator-values frame.

The space-time analysis (:mod:`veiligstad.spatial.emerging`) needs a complete table of
areas × periods with equal steps. This module builds that table:

* **periods**: years (``2023``) or months (``2023-04``). The series is the longest run of
  *consecutive* periods of one kind that ends at the latest period with values. A missing
  year breaks the run, because the time-lag neighbours assume equal steps (as Esri's
  space-time cube does); provisional figures are left out.
* **areas**: those of the level that have a boundary and a value in every period of the run.
  The others are listed as ``niet geanalyseerd`` with the reason.

Fewer than :data:`~veiligstad.spatial.emerging.MIN_STEPS` periods raise ``TooFewSteps`` with
the Dutch message of the spatial core; the caller shows it instead of a result. The values
are the indicator values as given (for the dashboard and the alerts: the public values, so
an area with a suppressed count has no complete series and is left out). Where the values are
rates (a denominator is known), areas with fewer than
:data:`~veiligstad.spatial.labels.MIN_RESIDENTS` inhabitants in the last period are left out
as non-residential, as in the hotspot analysis. Fewer than
:data:`~veiligstad.spatial.labels.MIN_AREAS` (30) areas are refused (``TooFewAreas``).

Significance per period: two-sided p from one permutation test, Benjamini–Hochberg over the
areas of each period by default (``fdr=True``, as Esri); ``fdr=False`` gives the raw list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from veiligstad.spatial.emerging import (
    MIN_STEPS,
    PERMUTATIONS,
    SEED,
    Category,
    check_steps,
    emerging_hotspots,
)
from veiligstad.spatial.labels import MIN_AREAS, MIN_RESIDENTS, TooFewAreas

YEAR = re.compile(r"\d{4}")
MONTH = re.compile(r"\d{4}-\d{2}")
NOT_ANALYSED = "niet geanalyseerd"
__all__ = ["MIN_AREAS", "MIN_RESIDENTS", "MIN_STEPS"]  # re-exported: the limits of the analysis
#: The neighbourhood of a period includes the previous period (sfdep's k = 1).
TIME_LAG = 1

COLUMNS = [
    "area_code",
    "area_name",
    "category",
    "code",
    "z",
    "p",
    "hot_steps",
    "cold_steps",
    "value_before",
    "value_last",
    "reason",
    "p_fdr",
]

EXPLANATION = (
    "Een nieuwe of intensiverende hotspot zegt iets over de buurt van een gebied: het gebied en zijn "
    "buren samen. Ook een gebied met weinig registraties kan zo'n categorie krijgen als het in een "
    "gebied ligt dat 'heet' wordt."
)


@dataclass(frozen=True)
class EmergingAnalysis:
    """Categories per area over ``periods``, and how they were computed."""

    indicator_id: str
    level: str
    periods: tuple[str, ...]
    frame: pd.DataFrame
    time_lag: int
    permutations: int
    seed: int
    fdr: bool = True

    @property
    def analysed(self) -> int:
        """Number of areas with a complete series."""
        return int((self.frame["category"] != NOT_ANALYSED).sum())

    def counts(self) -> dict[str, int]:
        """Number of areas per category."""
        return {str(k): int(v) for k, v in self.frame["category"].value_counts().sort_index().items()}


def _ordinal(period: str) -> int:
    """Years and months as consecutive integers."""
    if MONTH.fullmatch(period):
        return int(period[:4]) * 12 + int(period[5:7]) - 1
    return int(period)


def _run(periods: list[str], ordinal: Callable[[str], int]) -> list[str]:
    """The unbroken run of consecutive periods that ends at the last one (periods sorted)."""
    if not periods:
        return []
    start = len(periods) - 1
    while start > 0 and ordinal(periods[start - 1]) == ordinal(periods[start]) - 1:
        start -= 1
    return periods[start:]


def consecutive(periods: Iterable[str]) -> list[str]:
    """The longest run of consecutive years or months ending at the latest one, oldest first.

    >>> consecutive(["2019", "2020", "2022", "2023", "2024"])
    ['2022', '2023', '2024']
    >>> consecutive(["2023", "2023-11", "2023-12", "2024-01"])
    ['2023-11', '2023-12', '2024-01']
    """
    unique = {str(p) for p in periods}
    years = _run(sorted(p for p in unique if YEAR.fullmatch(p)), _ordinal)
    months = _run(sorted(p for p in unique if MONTH.fullmatch(p)), _ordinal)
    return months if len(months) > len(years) else years


def series(values: pd.DataFrame, indicator_id: str, level: str, codes: Iterable[str]) -> pd.DataFrame:
    """The final, known values of one indicator at one level for ``codes``."""
    rows = values[
        (values["indicator_id"] == indicator_id)
        & (values["level"] == level)
        & values["area_code"].isin(list(codes))
        & values["value"].notna()
    ]
    if "provisional" in rows.columns:
        rows = rows[~rows["provisional"].fillna(False).astype(bool)]
    return rows


def steps(values: pd.DataFrame, indicator_id: str, level: str, codes: Iterable[str]) -> list[str]:
    """The periods an emerging-hotspot analysis would use (may be fewer than it needs)."""
    return consecutive(series(values, indicator_id, level, codes)["period"])


def enough_steps(periods: list[str]) -> bool:
    """Whether a series is long enough for the analysis."""
    return len(periods) >= MIN_STEPS


def analyse(
    values: pd.DataFrame,
    indicator_id: str,
    level: str,
    areas: Mapping[str, str],
    geometries: Mapping[str, str],
    time_lag: int = TIME_LAG,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    fdr: bool = True,
    min_residents: int = MIN_RESIDENTS,
) -> EmergingAnalysis:
    """Emerging-hotspot categories for the ``areas`` (code → name) of one level.

    ``geometries`` maps area codes to GeoJSON text. Raises ``TooFewSteps`` when the run of
    consecutive periods is too short and ``TooFewAreas`` (a ``DataError``) when fewer than
    :data:`MIN_AREAS` areas have a complete series and a boundary. ``fdr=False`` switches the
    Benjamini–Hochberg correction off (the raw list); rates of areas with fewer than
    ``min_residents`` inhabitants in the last period are left out as non-residential.
    """
    rows = series(values, indicator_id, level, areas)
    periods = consecutive(rows["period"])
    check_steps(len(periods))
    table = (
        rows[rows["period"].isin(periods)]
        .drop_duplicates(["area_code", "period"])
        .pivot(index="area_code", columns="period", values="value")
        .reindex(index=sorted(areas), columns=periods)
    )
    complete = table.notna().all(axis=1)
    reasons = {
        code: "geen grens (geometrie)"
        if code not in geometries
        else f"geen volledige reeks {periods[0]}–{periods[-1]}"
        for code in table.index
        if code not in geometries or not complete[code]
    }
    small = f"niet-woongebied: minder dan {min_residents} inwoners, niet geanalyseerd bij cijfers per inwoner"
    for code in _non_residential(rows, periods[-1], min_residents):
        if code in table.index:
            reasons.setdefault(code, small)
    used = [code for code in table.index if code not in reasons]
    if len(used) < MIN_AREAS:
        raise TooFewAreas(
            f"Te weinig gebieden met een volledige reeks en een grens: {len(used)} gebieden, "
            f"voor opkomende hotspots zijn er minstens {MIN_AREAS} nodig.",
            hint=f"Minimaal {MIN_AREAS} gebieden met een waarde in elke periode van "
            f"{periods[0]} tot en met {periods[-1]}.",
            n_areas=len(used),
        )
    from veiligstad.spatial.weights import queen_weights  # libpysal: seconds to import

    weights = queen_weights([geometries[code] for code in used], used)
    x = table.loc[used].to_numpy(dtype=float)
    result = emerging_hotspots(x, weights.w, time_lag=time_lag, permutations=permutations, seed=seed, fdr=fdr)
    hot, cold = result.significant()
    from scipy.stats import false_discovery_control  # scipy.stats: seconds to import

    analysed = pd.DataFrame(
        {
            "area_code": used,
            "category": [c.value for c in result.categories],
            "code": [c.code for c in result.categories],
            "z": result.z[:, -1],
            "p": result.p[:, -1],
            "p_fdr": false_discovery_control(result.p[:, -1]),
            "hot_steps": hot.sum(axis=1),
            "cold_steps": cold.sum(axis=1),
            "value_before": x[:, -2],
            "value_last": x[:, -1],
        }
    )
    frame = pd.DataFrame({"area_code": list(table.index)}).merge(analysed, on="area_code", how="left")
    frame["area_name"] = [areas.get(code, "") for code in frame["area_code"]]
    frame["category"] = frame["category"].fillna(NOT_ANALYSED)
    frame["code"] = frame["code"].fillna("not_analysed")
    frame["reason"] = [reasons.get(code, "") for code in frame["area_code"]]
    for column in ("hot_steps", "cold_steps"):
        frame[column] = frame[column].astype("Int64")
    return EmergingAnalysis(
        indicator_id=indicator_id,
        level=level,
        periods=tuple(periods),
        frame=frame[COLUMNS],
        time_lag=time_lag,
        permutations=permutations,
        seed=seed,
        fdr=fdr,
    )


def _non_residential(rows: pd.DataFrame, last: str, min_residents: int) -> list[str]:
    """Areas whose rate in the last period has fewer than ``min_residents`` inhabitants."""
    if "denominator" not in rows.columns:
        return []
    final = rows[rows["period"] == last]
    small = pd.to_numeric(final["denominator"], errors="coerce") < min_residents
    return sorted(str(code) for code in final.loc[small, "area_code"])


def is_rising(category: str) -> bool:
    """New or intensifying hotspot: the categories that raise an alert."""
    return category in (Category.NEW_HOTSPOT.value, Category.INTENSIFYING_HOTSPOT.value)
