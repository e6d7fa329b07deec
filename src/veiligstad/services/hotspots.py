# SPDX-License-Identifier: EUPL-1.2
"""Hotspots of one indicator in one period at one area level (Gi*, local Moran's I, FDR).

Choices, each documented in ``docs/explanation/statistics.md`` (section *Hotspots*):

* **One test, two-sided, corrected.** Direction and p of Gi* and of local Moran's I come from
  the same conditional permutation test (:mod:`veiligstad.spatial.hotspots`); the labels
  90/95/99% come from the two-sided p after the Benjamini–Hochberg correction over the
  analysed areas (``fdr=True``, the default; ``fdr=False`` gives the uncorrected list).
* **At least** :data:`~veiligstad.spatial.labels.MIN_AREAS` **areas** (30): fewer are refused
  with ``TooFewAreas`` (a ``DataError``, plain Dutch), e.g. Maastricht's 7 wijken.
* **Measure.** Rates (per 1,000 inhabitants) by default for rate indicators; areas with fewer
  than :data:`MIN_RESIDENTS` inhabitants (industrial estates, port, parks: Beatrixhaven has 15
  inhabitants and 4,600 registrations per 1,000) are left out of a rate analysis, because
  their rate says nothing about residents and would dominate every test. ``measure="count"``
  analyses the counts of all areas instead. The result lists who was left out and why.
* **Smoothing.** Gi* runs on truncated empirical-Bayes rates (Marshall 1991); local Moran's I
  on Assunção–Reis (1999) EB-standardised rates (``esda.Moran_Local_Rate``).
* **Disclosure.** :func:`public_frame` withholds everything an area with a suppressed count
  would give away about itself (value, count, smoothed value, z, p, category, quadrant,
  cluster) and the z and p of its neighbours; pages, API, downloads and reports use it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.areas import AreaLevel
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.errors import DataError, NotFound
from veiligstad.services import monitor
from veiligstad.spatial import hotspots as spatial
from veiligstad.spatial.labels import MIN_RESIDENTS, TooFewAreas
from veiligstad.spatial.weights import IslandLink, queen_weights
from veiligstad.storage.warehouse import Warehouse

#: Below this population a rate is flagged as unreliable (and smoothed, where smoothing applies).
DEFAULT_MIN_POPULATION = 200
SMOOTHING_EB = "empirical Bayes"
SMOOTHING_NONE = "geen"
NOT_ANALYSED = "niet geanalyseerd"
#: Shown instead of the category, quadrant and cluster of an area whose count is suppressed.
WITHHELD = "afgeschermd"
#: Significance of a LISA cluster: two-sided, FDR level.
LISA_ALPHA = 0.05
#: How LISA is computed on rates and on other values.
LISA_RATE = "lokale Moran's I op Assunção–Reis-gestandaardiseerde cijfers per inwoner"
LISA_PLAIN = "lokale Moran's I op de geanalyseerde waarden"


class Measure(StrEnum):
    """What is analysed: the rate per inhabitants, the count, or (surveys) the value itself."""

    RATE = "rate"
    COUNT = "count"
    VALUE = "value"

    @property
    def label(self) -> str:
        """Dutch description for pages and the CLI."""
        return {
            Measure.RATE: "cijfer per inwoners",
            Measure.COUNT: "aantal registraties",
            Measure.VALUE: "waarde",
        }[self]


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
#: LISA is not a second test that confirms Gi*: both look at the same values and neighbours.
LISA_NOTE = (
    "De LISA-clusters (lokale Moran's I) zijn een andere kijk op dezelfde cijfers en dezelfde buren, "
    "geen onafhankelijke bevestiging van de hotspots: valt een gebied in beide op, dan is dat één "
    "bevinding, niet twee."
)
#: The test behind the labels, in one Dutch sentence (CLI, API).
TEST = (
    "Richting en p uit dezelfde toets: voorwaardelijke permutaties (de waarde van het gebied blijft "
    "staan, de andere waarden worden over de buren verdeeld); p is tweezijdig"
)
FDR_ON = "Benjamini–Hochberg (false discovery rate), over alle geanalyseerde gebieden"
FDR_OFF = "geen correctie voor meervoudig toetsen (ruwe lijst: bij 5% is 1 op de 20 gebieden toevallig raak)"


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
    measure: Measure = Measure.RATE
    fdr: bool = True
    #: (code, name, reason) of the areas left out of the analysis because of the measure.
    left_out: tuple[tuple[str, str, str], ...] = ()
    min_residents: int = MIN_RESIDENTS
    lisa_method: str = LISA_PLAIN

    @property
    def fdr_text(self) -> str:
        """Which multiple-testing correction was applied, in Dutch."""
        return FDR_ON if self.fdr else FDR_OFF

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


def _measure(indicator: Indicator, measure: str | Measure | None) -> Measure:
    """The measure asked for, checked against the kind of indicator (default: rate or count)."""
    kinds = {
        IndicatorKind.RATE: (Measure.RATE, Measure.COUNT),
        IndicatorKind.COUNT: (Measure.COUNT,),
        IndicatorKind.SURVEY: (Measure.VALUE,),
    }
    allowed = kinds.get(indicator.kind, (Measure.VALUE,))
    if measure is None:
        return allowed[0]
    try:
        chosen = Measure(str(measure))
    except ValueError:
        chosen = None
    if chosen not in allowed:
        raise DataError(
            f"Maat '{measure}' past niet bij '{indicator.id}' ({indicator.kind.value}).",
            hint=f"Kies: {', '.join(m.value for m in allowed)}.",
        )
    return chosen


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
    measure: str | Measure | None = None,
    fdr: bool = True,
    min_residents: int = MIN_RESIDENTS,
) -> HotspotAnalysis:
    """Gi* and local Moran's I of one indicator over the areas of one level that have a boundary.

    ``measure``: ``rate`` (default for rate indicators) analyses the rate and leaves out areas
    with fewer than ``min_residents`` inhabitants (non-residential); ``count`` analyses the
    counts of all areas. For rates, Gi* runs on truncated empirical-Bayes rates and local
    Moran's I on Assunção–Reis standardised rates (``smooth``); areas with fewer than
    ``min_population`` inhabitants are flagged either way. Labels come from two-sided p-values
    corrected with Benjamini–Hochberg unless ``fdr=False``. Areas without a value or boundary,
    or left out by the measure, are listed with category ``niet geanalyseerd`` and the reason
    in ``flags``. Fewer than 30 analysable areas raise ``TooFewAreas``.
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
        raise DataError(
            "Gebruik minstens 99 permutaties.", hint=f"Standaard: {spatial.DEFAULT_PERMUTATIONS}."
        )
    chosen = _measure(indicator, measure)
    rows = _rows(warehouse, definitions, indicator, period, level, municipality)

    flags: list[list[str]] = [[] for _ in range(len(rows))]
    has_value = rows["value"].notna() & np.isfinite(rows["value"].astype(float))
    if chosen is Measure.COUNT:
        has_value = rows["numerator"].notna() & np.isfinite(rows["numerator"].astype(float))
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
    residential = np.ones(len(rows), dtype=bool)
    left_out: list[tuple[str, str, str]] = []
    if chosen is Measure.RATE:
        residential = ~(rows["denominator"].fillna(0) < min_residents).to_numpy()
        reason = (
            f"niet-woongebied: minder dan {min_residents} inwoners, niet geanalyseerd bij cijfers per inwoner"
        )
        for index in np.flatnonzero(~residential & (has_value & has_geometry).to_numpy()):
            flags[index].append(reason)
            left_out.append(
                (str(rows.at[index, "area_code"]), str(rows.at[index, "area_name"] or ""), reason)
            )

    use = (has_value & has_geometry).to_numpy() & residential
    subset = rows[use].reset_index(drop=True)
    spatial.check_areas(len(subset))
    counts = subset["numerator"].to_numpy(float)
    per = subset["value"] / (subset["numerator"] / subset["denominator"])
    can_smooth = (
        smooth
        and chosen is Measure.RATE
        and bool((subset["denominator"] > 0).all())
        and bool(subset["numerator"].notna().all())
        and bool(per.notna().all())
    )
    smoothed = np.full(len(subset), np.nan)
    if can_smooth:
        smoothed = spatial.empirical_bayes(counts, subset["denominator"].to_numpy(float), float(per.iloc[0]))
    y = subset["value"].to_numpy(float)
    if chosen is Measure.COUNT:
        y = counts
    elif can_smooth:
        y = smoothed

    weights = queen_weights(subset["geometry"].tolist(), subset["area_code"].tolist())
    gi = spatial.gi_star(y, weights.w, permutations=permutations, seed=seed)
    if can_smooth:
        lisa = spatial.local_moran_rate(
            counts, subset["denominator"].to_numpy(float), weights.w, permutations=permutations, seed=seed
        )
    else:
        lisa = spatial.local_moran(y, weights.w, permutations=permutations, seed=seed)

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
            "category": spatial.categories(gi.z, gi.p, fdr=fdr),
            "lisa_i": lisa.i,
            "lisa_p": lisa.p,
            "lisa_p_fdr": spatial.fdr_adjust(lisa.p),
            "lisa_quadrant": lisa.quadrant,
            "lisa_cluster": spatial.clusters(lisa, LISA_ALPHA, fdr=fdr),
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
        measure=chosen,
        fdr=fdr,
        left_out=tuple(left_out),
        min_residents=min_residents,
        lisa_method=LISA_RATE if can_smooth else LISA_PLAIN,
    )


def masked(analysis: HotspotAnalysis, suppressed: Iterable[str]) -> tuple[set[str], set[str]]:
    """The public rule for an analysis run on all registrations, where some counts are suppressed.

    Returns ``(hidden, masked)``: ``hidden`` are the analysed areas whose own value, count,
    smoothed value, z, p, category, LISA quadrant and cluster are withheld (all of them are
    computed from the suppressed count: a quadrant says whether it is above the mean);
    ``masked`` adds their neighbours in the weights (island links included), whose z, p, G and
    local Moran statistics are withheld too, because the suppressed count is a term of their
    neighbourhood sums and could be worked back from them. The neighbours' categories and
    clusters stay visible: they are coarse and describe a neighbourhood. :func:`public_frame`
    applies the rule.
    """
    analysed = set(analysis.neighbours)
    hidden = set(suppressed) & analysed
    around = {n for code in hidden for n in analysis.neighbours.get(code, ())}
    return hidden, hidden | around


#: Withheld for a suppressed area and its neighbours (:func:`masked`).
NEIGHBOURHOOD_STATISTICS = ["g", "z", "p", "p_fdr", "lisa_i", "lisa_p", "lisa_p_fdr"]
#: Withheld for the suppressed area itself, on top of those.
OWN_FIGURES = ["value", "numerator", "smoothed_value", "analysed_value"]


def public_frame(analysis: HotspotAnalysis, suppressed: Iterable[str]) -> pd.DataFrame:
    """``analysis.frame`` with the disclosure rule of :func:`masked` applied.

    A suppressed area (also one left out of the analysis) loses its value, count, smoothed and
    analysed value; an analysed one also its statistics, and its category, quadrant and cluster
    become ``afgeschermd``. Its neighbours lose z, p, G and the local Moran statistics.
    """
    withheld = {str(code) for code in suppressed}
    hidden, around = masked(analysis, withheld)
    frame = analysis.frame.copy()
    codes = frame["area_code"].astype(str)
    own = codes.isin(withheld)
    frame[OWN_FIGURES] = frame[OWN_FIGURES].astype(float)
    frame.loc[own, OWN_FIGURES] = np.nan
    frame[NEIGHBOURHOOD_STATISTICS] = frame[NEIGHBOURHOOD_STATISTICS].astype(float)
    frame.loc[codes.isin(around), NEIGHBOURHOOD_STATISTICS] = np.nan
    mine = codes.isin(hidden)
    frame.loc[mine, ["category", "lisa_cluster"]] = WITHHELD
    frame.loc[mine, "lisa_quadrant"] = ""
    return frame


_LOCK = threading.Lock()


def cached(
    memo: dict[object, object],
    warehouse_url: str,
    definitions: Definitions,
    indicator_id: str,
    period: str,
    level: str,
    municipality: str | None,
    measure: str | Measure | None = None,
    fdr: bool = True,
) -> HotspotAnalysis:
    """``analyse`` once per snapshot (its ``memo``), one computation at a time, shared by the
    dashboard and the API; opens a short-lived connection only when it has to compute. A
    refusal for too few areas is remembered as well (and raised again)."""
    key = ("hotspots", indicator_id, period, level, municipality, str(measure or ""), fdr)
    with _LOCK:
        if key not in memo:
            with Warehouse.open(warehouse_url) as warehouse:
                try:
                    memo[key] = analyse(
                        warehouse,
                        definitions,
                        indicator_id,
                        period,
                        level=level,
                        municipality=municipality,
                        measure=measure,
                        fdr=fdr,
                    )
                except TooFewAreas as exc:
                    memo[key] = exc
    result = memo[key]
    if isinstance(result, TooFewAreas):
        raise result
    assert isinstance(result, HotspotAnalysis)
    return result
