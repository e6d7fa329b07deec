# SPDX-License-Identifier: EUPL-1.2
"""Hotspots of one indicator in one period at one area level (Gi*, local Moran's I, FDR)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.areas import AreaLevel
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.errors import DataError, NotFound
from veiligstad.services import monitor
from veiligstad.spatial import hotspots as spatial
from veiligstad.spatial.weights import IslandLink, queen_weights
from veiligstad.storage.warehouse import Warehouse

#: Below this population a rate is flagged as unreliable (and smoothed, where smoothing applies).
DEFAULT_MIN_POPULATION = 200
SMOOTHING_EB = "empirical Bayes"
SMOOTHING_NONE = "geen"
NOT_ANALYSED = "niet geanalyseerd"
#: Significance of a LISA cluster: FDR level.
LISA_ALPHA = 0.05

COLUMNS = [
    "area_code",
    "area_name",
    "value",
    "numerator",
    "denominator",
    "smoothed_value",
    "analysed_value",
    "g",
    "z",
    "p",
    "p_fdr",
    "category",
    "lisa_i",
    "lisa_p",
    "lisa_p_fdr",
    "lisa_quadrant",
    "lisa_cluster",
    "flags",
]

EXPLANATION = (
    "Een hotspot is een buurteffect: het gebied en zijn buren hebben samen een hogere waarde dan je "
    "bij toeval verwacht (Getis–Ord Gi*). Een gebied met een hoge waarde tussen lage buren is dus "
    "geen hotspot; een gebied met een gemiddelde waarde tussen hoge buren kan het wel zijn."
)


@dataclass(frozen=True)
class HotspotAnalysis:
    """The result per area, with what was done: smoothing, islands, seed and permutations."""

    indicator: Indicator
    period: str
    level: str
    municipality: str | None
    frame: pd.DataFrame
    smoothing: str
    min_population: int
    islands: tuple[IslandLink, ...]
    n_components: int
    seed: int
    permutations: int
    neighbours: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def analysed(self) -> int:
        """Number of areas in the analysis."""
        return int((self.frame["category"] != NOT_ANALYSED).sum())

    def counts(self) -> dict[str, int]:
        """Number of areas per category."""
        return {str(k): int(v) for k, v in self.frame["category"].value_counts().sort_index().items()}


def _areas(warehouse: Warehouse, level: str, municipality: str | None) -> pd.DataFrame:
    areas = warehouse.areas()
    rows = areas.filter(areas.level == level)
    if municipality is not None:
        rows = rows.filter(rows.gemeente_code == municipality)
    frame: pd.DataFrame = rows.select("code", "name", "geometry").to_pandas()
    return frame


def _rows(
    warehouse: Warehouse,
    definitions: Definitions,
    indicator: Indicator,
    period: str,
    level: str,
    municipality: str | None,
) -> pd.DataFrame:
    values = monitor.indicator_values(warehouse, definitions, only=indicator.id)
    values = values[values["level"] == level]
    if municipality is not None and not (values["area_code"] == municipality).any():
        areas = warehouse.areas()
        if areas.filter(areas.code == municipality).count().to_pyarrow().as_py() == 0:
            raise NotFound(f"Onbekend gebied '{municipality}'.", hint="Zie `veiligstad areas`.")
    areas = _areas(warehouse, level, municipality)
    in_period = values[values["period"] == period]
    in_period = in_period[in_period["area_code"].isin(areas["code"])]
    if in_period.empty:
        known = sorted(values[values["area_code"].isin(areas["code"])]["period"].unique())
        raise NotFound(
            f"Geen waarden van '{indicator.id}' voor periode {period} op niveau {level}.",
            hint=f"Beschikbare perioden: {', '.join(known)}." if known else "",
        )
    frame = in_period.merge(
        areas.rename(columns={"code": "area_code"}).drop(columns="name"), on="area_code", how="left"
    )
    return frame.sort_values("area_code").reset_index(drop=True)


def analyse(
    warehouse: Warehouse,
    definitions: Definitions,
    indicator_id: str,
    period: str,
    level: str = AreaLevel.BUURT.value,
    municipality: str | None = None,
    seed: int = spatial.DEFAULT_SEED,
    permutations: int = spatial.DEFAULT_PERMUTATIONS,
    smooth: bool = True,
    min_population: int | None = None,
) -> HotspotAnalysis:
    """Gi* and local Moran's I of one indicator over the areas of one level that have a boundary.

    For rates, Gi* and Moran run on empirical-Bayes smoothed rates (``smooth``); areas with fewer
    than ``min_population`` inhabitants are flagged either way. Areas without a value or boundary
    are listed with category ``niet geanalyseerd`` and the reason in ``flags``.
    """
    min_population = DEFAULT_MIN_POPULATION if min_population is None else min_population
    indicator = definitions.indicator(indicator_id)
    if indicator is None:
        known = ", ".join(i.id for i in definitions.indicators())
        raise NotFound(f"Onbekende indicator '{indicator_id}'.", hint=f"Bekende indicatoren: {known}")
    if level not in {lvl.value for lvl in AreaLevel}:
        raise NotFound(
            f"Onbekend niveau '{level}'.", hint=f"Kies uit: {', '.join(a.value for a in AreaLevel)}."
        )
    if permutations < 99:
        raise DataError("Gebruik minstens 99 permutaties.", hint="Standaard: 999.")
    rows = _rows(warehouse, definitions, indicator, period, level, municipality)

    flags: list[list[str]] = [[] for _ in range(len(rows))]
    has_value = rows["value"].notna() & np.isfinite(rows["value"].astype(float))
    has_geometry = rows["geometry"].notna()
    for index in np.flatnonzero(~has_value.to_numpy()):
        code = rows.at[index, "reason"]
        reason = monitor.reason_text(code if isinstance(code, str) else None, indicator) or "onbekend"
        flags[index].append(f"geen waarde: {reason}")
    for index in np.flatnonzero(~has_geometry.to_numpy()):
        flags[index].append("geen grens (geometrie)")
    is_rate = indicator.kind is IndicatorKind.RATE
    if is_rate:
        small = rows["denominator"].notna() & (rows["denominator"] < min_population)
        for index in np.flatnonzero(small.to_numpy()):
            flags[index].append(f"weinig inwoners (< {min_population})")

    use = (has_value & has_geometry).to_numpy()
    subset = rows[use].reset_index(drop=True)
    if len(subset) < 3:
        raise DataError(
            f"Te weinig gebieden met waarde en grens ({len(subset)}) voor een hotspotanalyse.",
            hint="Importeer grenzen met `veiligstad import boundaries`.",
        )
    per = subset["value"] / (subset["numerator"] / subset["denominator"])
    can_smooth = (
        smooth
        and is_rate
        and bool((subset["denominator"] > 0).all())
        and bool(subset["numerator"].notna().all())
        and bool(per.notna().all())
    )
    smoothed = np.full(len(subset), np.nan)
    if can_smooth:
        smoothed = spatial.empirical_bayes(
            subset["numerator"].to_numpy(float), subset["denominator"].to_numpy(float), float(per.iloc[0])
        )
    y = smoothed if can_smooth else subset["value"].to_numpy(float)

    weights = queen_weights(subset["geometry"].tolist(), subset["area_code"].tolist())
    gi = spatial.gi_star(y, weights.w, permutations=permutations, seed=seed)
    lisa = spatial.local_moran(y, weights.w, permutations=permutations, seed=seed)
    lisa_q = spatial.fdr_adjust(lisa.p)
    lisa_sig = lisa.p < spatial.fdr_cutoff(lisa.p, LISA_ALPHA)

    used_index = np.flatnonzero(use)
    for link in weights.islands:
        position = int(np.flatnonzero(subset["area_code"].to_numpy() == link.island)[0])
        flags[used_index[position]].append(f"eiland: gekoppeld aan {link.neighbour}")

    stats = pd.DataFrame(
        {
            "area_code": subset["area_code"],
            "smoothed_value": smoothed,
            "analysed_value": y,
            "g": gi.g,
            "z": gi.z,
            "p": gi.p,
            "p_fdr": spatial.fdr_adjust(gi.p),
            "category": spatial.categories(gi.z, gi.p),
            "lisa_i": lisa.i,
            "lisa_p": lisa.p,
            "lisa_p_fdr": lisa_q,
            "lisa_quadrant": lisa.quadrant,
            "lisa_cluster": np.where(lisa_sig, lisa.quadrant, spatial.NOT_SIGNIFICANT),
        }
    )
    frame = rows[["area_code", "area_name", "value", "numerator", "denominator"]].merge(
        stats, on="area_code", how="left"
    )
    frame["category"] = frame["category"].fillna(NOT_ANALYSED)
    frame["lisa_quadrant"] = frame["lisa_quadrant"].fillna("")
    frame["lisa_cluster"] = frame["lisa_cluster"].fillna(NOT_ANALYSED)
    frame["flags"] = ["; ".join(f) for f in flags]
    return HotspotAnalysis(
        indicator=indicator,
        period=period,
        level=level,
        municipality=municipality,
        frame=frame[COLUMNS],
        smoothing=SMOOTHING_EB if can_smooth else SMOOTHING_NONE,
        min_population=min_population,
        islands=weights.islands,
        n_components=weights.n_components,
        seed=seed,
        permutations=permutations,
        neighbours={str(c): tuple(str(n) for n in weights.w.neighbors[c]) for c in weights.w.id_order},
    )


def masked(analysis: HotspotAnalysis, suppressed: Iterable[str]) -> tuple[set[str], set[str]]:
    """The public rule for an analysis run on all registrations, where some counts are suppressed.

    Returns ``(hidden, masked)``: ``hidden`` are the analysed areas whose own value, count and
    smoothed value are withheld; ``masked`` adds their neighbours in the weights (island links
    included), whose z, p, G and local Moran statistics are withheld too, because the
    suppressed count is a term of their neighbourhood sums and could be worked back from them.
    Categories and clusters stay visible: they are coarse and describe a neighbourhood.
    """
    analysed = set(analysis.neighbours)
    hidden = set(suppressed) & analysed
    around = {n for code in hidden for n in analysis.neighbours.get(code, ())}
    return hidden, hidden | around


_LOCK = threading.Lock()


def cached(
    memo: dict[object, object],
    warehouse_url: str,
    definitions: Definitions,
    indicator_id: str,
    period: str,
    level: str,
    municipality: str | None,
) -> HotspotAnalysis:
    """``analyse`` once per snapshot (its ``memo``), one computation at a time, shared by the
    dashboard and the API; opens a short-lived connection only when it has to compute."""
    key = ("hotspots", indicator_id, period, level, municipality)
    with _LOCK:
        if key not in memo:
            with Warehouse.open(warehouse_url) as warehouse:
                memo[key] = analyse(
                    warehouse, definitions, indicator_id, period, level=level, municipality=municipality
                )
    result = memo[key]
    assert isinstance(result, HotspotAnalysis)
    return result
