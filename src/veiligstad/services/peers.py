# SPDX-License-Identifier: EUPL-1.2
"""Benchmarks for a municipality: the Netherlands and gemeenten of similar size.

* **Size class.** CBS groups gemeenten by their population on 1 January into the classes
  of ``SIZE_CLASSES``. A municipality's peers are the other gemeenten in its class that year.
* **Peer-group figure.** The numerators of the peers are summed and divided by the sum of
  their denominators: rates are never averaged. Its 95% interval is the exact (Garwood)
  Poisson interval of the summed count (``engine.intervals``). Peers whose count is
  withheld (``< 5``) or unknown are left out of the sum and counted as missing.
* **Significance.** The municipality against the rest of the Netherlands (the country
  minus the municipality, so the two are independent) and against the peer group (which
  does not contain it): the exact test for two counts with exposure. Survey figures are
  compared with their published margins; no group figure is made from them.

Everything here is pure: it takes value frames (columns as in ``services.monitor``) and
returns frozen results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from veiligstad.domain.areas import NETHERLANDS
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.engine.compute import CENSUS_MEASURE
from veiligstad.engine.intervals import poisson_interval
from veiligstad.engine.significance import Comparison, Signal, compare_counts, compare_estimates


@dataclass(frozen=True)
class SizeClass:
    """A CBS gemeentegrootteklasse: population from ``low`` up to (not including) ``high``."""

    low: int
    high: int | None
    label: str

    def contains(self, population: float) -> bool:
        """Whether a population falls in this class."""
        return population >= self.low and (self.high is None or population < self.high)


#: CBS size classes of gemeenten by inhabitants on 1 January.
SIZE_CLASSES = (
    SizeClass(0, 5_000, "minder dan 5.000 inwoners"),
    SizeClass(5_000, 10_000, "5.000 tot 10.000 inwoners"),
    SizeClass(10_000, 20_000, "10.000 tot 20.000 inwoners"),
    SizeClass(20_000, 50_000, "20.000 tot 50.000 inwoners"),
    SizeClass(50_000, 100_000, "50.000 tot 100.000 inwoners"),
    SizeClass(100_000, 150_000, "100.000 tot 150.000 inwoners"),
    SizeClass(150_000, 250_000, "150.000 tot 250.000 inwoners"),
    SizeClass(250_000, None, "250.000 inwoners of meer"),
)

#: Columns of ``PeerGroup.members``.
MEMBER_COLUMNS = [
    "area_code",
    "area_name",
    "population",
    "value",
    "ci_low",
    "ci_high",
    "numerator",
    "denominator",
    "suppressed",
    "disclosure",
]


def size_class(population: float) -> SizeClass:
    """The size class of a population.

    >>> size_class(122_734).label
    '100.000 tot 150.000 inwoners'
    >>> size_class(250_000).label
    '250.000 inwoners of meer'
    """
    if not math.isfinite(population) or population < 0:
        raise ValueError(f"geen geldig inwonertal: {population}")
    return next(c for c in SIZE_CLASSES if c.contains(population))


def populations(values: pd.DataFrame, indicators: list[Indicator]) -> pd.DataFrame:
    """Gemeente populations on 1 January (``area_code, year, population``), read from the
    denominators of the rate indicators that divide by all inhabitants."""
    ids = [i.id for i in indicators if i.kind is IndicatorKind.RATE and i.denominator == CENSUS_MEASURE]
    rows = values[
        values["indicator_id"].isin(ids)
        & (values["level"] == "gemeente")
        & values["denominator"].notna()
        & values["denominator_year"].notna()
    ]
    out = pd.DataFrame(
        {
            "area_code": rows["area_code"].astype(str),
            "year": rows["denominator_year"].astype(int),
            "population": rows["denominator"].astype(float),
        }
    )
    return (
        out.drop_duplicates(["area_code", "year"]).sort_values(["area_code", "year"]).reset_index(drop=True)
    )


def population_of(pops: pd.DataFrame, code: str, year: int) -> tuple[float, int] | None:
    """The population of a gemeente on 1 January of ``year`` or the nearest earlier year."""
    own = pops[(pops["area_code"] == code) & (pops["year"] <= year)]
    if own.empty:
        return None
    last = own.sort_values("year").iloc[-1]
    return float(last["population"]), int(last["year"])


@dataclass(frozen=True)
class Aggregate:
    """A group figure: summed numerator over summed denominator, with its exact interval."""

    numerator: float | None
    denominator: float | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    counted: int
    missing: int


def aggregate(members: pd.DataFrame, per: float) -> Aggregate:
    """Sum the numerators and denominators of the members with both known; never average rates.

    >>> frame = pd.DataFrame({"numerator": [10.0, 30.0, None], "denominator": [1000.0, 1000.0, 500.0]})
    >>> group = aggregate(frame, 1000)
    >>> group.value, group.counted, group.missing
    (20.0, 2, 1)
    """
    known = members[
        members["numerator"].notna() & members["denominator"].notna() & (members["denominator"] > 0)
    ]
    if known.empty:
        return Aggregate(None, None, None, None, None, 0, len(members))
    k = float(known["numerator"].sum())
    n = float(known["denominator"].sum())
    low, high = poisson_interval([k])
    scale = per / n
    return Aggregate(
        k, n, k * scale, float(low[0]) * scale, float(high[0]) * scale, len(known), len(members) - len(known)
    )


@dataclass(frozen=True)
class PeerGroup:
    """The gemeenten in the municipality's size class in one year, and their group figure."""

    municipality: str
    year: int
    population: float
    population_year: int
    size_class: SizeClass
    members: pd.DataFrame
    group: Aggregate
    comparison: Comparison


def _row(frame: pd.DataFrame, code: str) -> pd.Series | None:
    rows = frame[frame["area_code"] == code]
    return None if rows.empty else rows.iloc[0]


def _number(row: pd.Series | None, column: str) -> float | None:
    if row is None or column not in row.index or pd.isna(row[column]):
        return None
    return float(row[column])


def peer_group(
    values: pd.DataFrame, pops: pd.DataFrame, indicator: Indicator, municipality: str, year: int
) -> PeerGroup | None:
    """The peers of ``municipality`` for one rate indicator in ``year``; None without a population.

    ``values`` are the indicator's rows (public values on public pages) of that year.
    """
    found = population_of(pops, municipality, year)
    if found is None:
        return None
    population, population_year = found
    klass = size_class(population)
    year_pops = pops[(pops["year"] == population_year) & (pops["area_code"] != municipality)]
    inside = year_pops[[klass.contains(p) for p in year_pops["population"]]]
    yearly = values["period"].astype(str).str.fullmatch(r"\d{4}")
    gemeenten = values[yearly & (values["year"] == year) & (values["level"] == "gemeente")]
    members = inside[["area_code", "population"]].merge(
        gemeenten.drop(columns=["population"], errors="ignore"), on="area_code", how="left"
    )
    for column in MEMBER_COLUMNS:
        if column not in members.columns:
            members[column] = None
    members["suppressed"] = members["suppressed"].fillna(False).astype(bool)
    members["disclosure"] = members["disclosure"].fillna("")
    members = members[MEMBER_COLUMNS].sort_values("area_name", na_position="last").reset_index(drop=True)
    group = aggregate(members, float(indicator.per or 1))
    own = _row(gemeenten, municipality)
    comparison = _versus(own, group.numerator, group.denominator)
    return PeerGroup(municipality, year, population, population_year, klass, members, group, comparison)


def _versus(own: pd.Series | None, k_ref: float | None, n_ref: float | None) -> Comparison:
    """The municipality's count against a reference count, both with exposure."""
    k, n = _number(own, "numerator"), _number(own, "denominator")
    if k is None or n is None or k_ref is None or n_ref is None:
        return Comparison(Signal.TOO_LITTLE, None, "", "telling of bevolking onbekend")
    return compare_counts(k_ref, n_ref, k, n)


def against_country(values: pd.DataFrame, indicator: Indicator, municipality: str, year: int) -> Comparison:
    """The municipality against the rest of the Netherlands (counts) or against the
    Netherlands with both published margins (survey figures), in ``year``."""
    rows = values[values["year"] == year]
    own, country = _row(rows, municipality), _row(rows, NETHERLANDS)
    if indicator.kind is IndicatorKind.SURVEY:
        v1, v2 = _number(country, "value"), _number(own, "value")
        if v1 is None or v2 is None:
            return Comparison(Signal.TOO_LITTLE, None, "", "waarde ontbreekt")
        low1, high1 = _number(country, "ci_low"), _number(country, "ci_high")
        return compare_estimates(v1, low1, high1, v2, _number(own, "ci_low"), _number(own, "ci_high"))
    if indicator.kind is not IndicatorKind.RATE:
        return Comparison(Signal.TOO_LITTLE, None, "", "een aantal zonder noemer is niet te vergelijken")
    k, n = _number(own, "numerator"), _number(own, "denominator")
    k_nl, n_nl = _number(country, "numerator"), _number(country, "denominator")
    if k is None or n is None or k_nl is None or n_nl is None:
        return Comparison(Signal.TOO_LITTLE, None, "", "telling of bevolking onbekend")
    if k_nl - k < 0 or n_nl - n <= 0:
        return Comparison(Signal.TOO_LITTLE, None, "", "gemeente en Nederland passen niet bij elkaar")
    return compare_counts(k_nl - k, n_nl - n, k, n)
