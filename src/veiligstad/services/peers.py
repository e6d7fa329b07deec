# SPDX-License-Identifier: EUPL-1.2
"""Benchmarks for a municipality: the Netherlands and gemeenten of similar size.

* **Size class.** CBS groups gemeenten by their population on 1 January into the classes
  of ``SIZE_CLASSES``. A municipality's peers are the other gemeenten in its class that year.
* **Peer-group figure.** The numerators of the peers are summed and divided by the sum of
  their denominators: rates are never averaged. Its 95% interval is the exact (Garwood)
  Poisson interval of the summed count (``engine.intervals``). Peers whose count is
  withheld (``< 5``) or unknown are left out of the sum and counted as missing.
* **Significance.** Gemeenten differ from each other far more than Poisson noise, so a
  gemeente is compared with the Netherlands and with its peer group by **funnel limits with
  overdispersion** (``engine.funnel``, Spiegelhalter 2005): the z-scores of all gemeenten
  (country) or of the peers and the municipality (peer group) against the reference rate
  give the between-gemeente variance τ² (winsorised), and the municipality is "significantly
  higher/lower" only when it lies outside the widened funnel. With too few gemeenten with a
  known count: the quasi-Poisson test against the rest of the country or the peer group,
  with φ = 1 said so (``engine.significance.compare_counts``). Survey figures are compared
  with their published margins; no group figure is made from them.

Everything here is pure: it takes value frames (columns as in ``services.monitor``) and
returns frozen results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from veiligstad.domain.areas import NETHERLANDS
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.engine import dispersion as disp
from veiligstad.engine import funnel as funnels
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
    comparison = _versus(own, group.numerator, group.denominator, members)
    return PeerGroup(municipality, year, population, population_year, klass, members, group, comparison)


def _versus(
    own: pd.Series | None, k_ref: float | None, n_ref: float | None, members: pd.DataFrame | None = None
) -> Comparison:
    """The municipality's count against a reference count, both with exposure: funnel limits
    with overdispersion over the members and the municipality (target: the reference rate),
    else the Poisson test against the reference (φ = 1, said so)."""
    k, n = _number(own, "numerator"), _number(own, "denominator")
    if k is None or n is None or k_ref is None or n_ref is None:
        return Comparison(Signal.TOO_LITTLE, None, "", "telling of bevolking onbekend")
    if members is not None and n_ref > 0:
        found = funnel_of(members, k, n, k_ref / n_ref, "gemeenten in de grootteklasse")
        if found is not None:
            return found
    return compare_counts(k_ref, n_ref, k, n, disp.POISSON)


def funnel_of(others: pd.DataFrame, k: float, n: float, target: float, what: str) -> Comparison | None:
    """The municipality (count ``k``, exposure ``n``) in the funnel of ``others`` (rows with
    ``numerator`` and ``denominator``; the municipality is not among them) around ``target``."""
    known = others[others["numerator"].notna() & others["denominator"].notna() & (others["denominator"] > 0)]
    counts = [k, *known["numerator"].astype(float)]
    exposures = [n, *known["denominator"].astype(float)]
    result = funnels.funnel(counts, exposures, target)
    return None if result is None else funnels.comparison(result, 0, what)


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
    gemeenten = values[(values["year"] == year) & (values["level"] == "gemeente")]
    if "period" in gemeenten.columns:
        gemeenten = gemeenten[gemeenten["period"].astype(str).str.fullmatch(r"\d{4}")]
    others = gemeenten[gemeenten["area_code"] != municipality]
    found = funnel_of(others, k, n, k_nl / n_nl, "gemeenten in Nederland")
    if found is not None:
        return found
    return compare_counts(k_nl - k, n_nl - n, k, n, disp.POISSON)


@dataclass(frozen=True)
class Benchmark:
    """The municipality against the Netherlands and its peers in the latest year it has a
    final value; ``reason`` says why there is no comparison when ``year`` is None."""

    indicator: Indicator
    municipality: str
    year: int | None
    own: dict[str, object]
    country: dict[str, object]
    versus_country: Comparison
    peers: PeerGroup | None
    reason: str = ""
    peers_reason: str = ""


def _record(frame: pd.DataFrame, code: str) -> dict[str, object]:
    row = _row(frame, code)
    return {} if row is None else {str(k): (None if _missing(v) else v) for k, v in row.items()}


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def latest_year(values: pd.DataFrame, municipality: str) -> int | None:
    """The latest year in which the municipality has a final (not provisional) value."""
    rows = values[
        (values["area_code"] == municipality)
        & values["period"].astype(str).str.fullmatch(r"\d{4}")
        & values["value"].notna()
        & ~values["provisional"].fillna(False).astype(bool)
    ]
    return None if rows.empty else int(rows["year"].max())


def benchmark(values: pd.DataFrame, pops: pd.DataFrame, indicator: Indicator, municipality: str) -> Benchmark:
    """Compare one indicator's latest final value with the Netherlands and the peer group.

    ``values`` are the indicator's rows (public values on public pages).
    """
    year = latest_year(values, municipality)
    if year is None:
        none = Comparison(Signal.TOO_LITTLE, None, "", "geen berekende waarde")
        return Benchmark(indicator, municipality, None, {}, {}, none, None, reason="geen berekende waarde")
    rows = values[(values["year"] == year) & values["period"].astype(str).str.fullmatch(r"\d{4}")]
    country = against_country(rows, indicator, municipality, year)
    group, peers_reason = None, ""
    if indicator.kind is IndicatorKind.RATE:
        group = peer_group(values, pops, indicator, municipality, year)
        if group is None:
            peers_reason = "inwonertal van de gemeente onbekend"
    elif indicator.kind is IndicatorKind.SURVEY:
        peers_reason = "enquêtecijfers worden niet opgeteld of gemiddeld tot een groepscijfer"
    else:
        peers_reason = "een aantal zonder noemer is niet te vergelijken"
    return Benchmark(
        indicator,
        municipality,
        year,
        _record(rows, municipality),
        _record(rows, NETHERLANDS),
        country,
        group,
        peers_reason=peers_reason,
    )


#: A comparison between areas in words: the municipality is higher or lower than the reference.
AREA_SIGNALS = {
    Signal.ROSE: "significant hoger",
    Signal.FELL: "significant lager",
    Signal.NO_CHANGE: "geen significant verschil",
    Signal.TOO_LITTLE: "te weinig gegevens",
}


def _figure(record: dict[str, object], name: str, kind: str, year: int) -> dict[str, object]:
    return {
        "code": record.get("area_code") or "",
        "gebied": name,
        "soort": kind,
        "jaar": year,
        "waarde": record.get("value"),
        "interval_laag": record.get("ci_low"),
        "interval_hoog": record.get("ci_high"),
        "teller": record.get("numerator"),
        "noemer": record.get("denominator"),
        "benaderd": bool(record.get("approximate") or False),
        "afgeschermd": record.get("disclosure") or "",
    }


def _verdict(comparison: Comparison | None) -> dict[str, object]:
    return {
        "gemeente_ten_opzichte_hiervan": AREA_SIGNALS[comparison.signal] if comparison else "",
        "p_waarde": comparison.p_value if comparison else None,
        "toets": comparison.method if comparison else "",
        "spreiding": comparison.phi_text if comparison else "",
        "toelichting": comparison.reason if comparison else "",
    }


def comparison_frame(bench: Benchmark, name: str) -> pd.DataFrame:
    """The municipality, the Netherlands and the peer group in one table (Dutch columns)."""
    if bench.year is None:
        return pd.DataFrame()
    rows = [{**_figure(bench.own, name, "gemeente", bench.year), **_verdict(None)}]
    rows.append({**_figure(bench.country, "Nederland", "land", bench.year), **_verdict(bench.versus_country)})
    group = bench.peers
    if group is not None:
        figure: dict[str, object] = {
            "value": group.group.value,
            "ci_low": group.group.ci_low,
            "ci_high": group.group.ci_high,
            "numerator": group.group.numerator,
            "denominator": group.group.denominator,
        }
        label = f"Gemeenten met {group.size_class.label}"
        rows.append({**_figure(figure, label, "groep", bench.year), **_verdict(group.comparison)})
    return pd.DataFrame(rows)


def members_frame(group: PeerGroup | None) -> pd.DataFrame:
    """The gemeenten of a peer group with their values (Dutch columns)."""
    if group is None:
        return pd.DataFrame(columns=["code", "gemeente", "inwoners", "waarde"])
    frame = group.members.rename(
        columns={
            "area_code": "code",
            "area_name": "gemeente",
            "population": "inwoners",
            "value": "waarde",
            "ci_low": "interval_laag",
            "ci_high": "interval_hoog",
            "numerator": "teller",
            "denominator": "noemer",
            "disclosure": "afgeschermd",
        }
    ).drop(columns=["suppressed"])
    frame["gemeente"] = frame["gemeente"].fillna(frame["code"])
    frame.insert(3, "jaar", group.year)
    frame.insert(4, "inwoners_peiljaar", group.population_year)
    return frame
