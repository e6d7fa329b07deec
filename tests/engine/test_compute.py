# SPDX-License-Identifier: EUPL-1.2
"""The rules of ``veiligstad.engine.compute`` (see its module docstring).

Engine inputs are pandas frames wrapped in ``ibis.memtable`` and executed on an
in-memory DuckDB connection. Tolerance for computed rates: rel 1e-12 (float64 division
of exact integer sums); counts and populations are compared exactly.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings

from tests.strategies import (
    Dataset,
    area,
    areas_frame,
    count_indicator,
    datasets,
    obs,
    observations_frame,
    rate_indicator,
    run_compute,
    survey_indicator,
)
from veiligstad.engine.compute import REASONS, add_intervals

REL = 1e-12
C1, C2 = "misdrijven:1.1.1", "misdrijven:1.2.1"
PRIMARY, FALLBACK = "misdrijven:0.0.0", "misdrijven-scm:T001161"

# A fixed small tree: GM0001 with wijk WK000100 (buurten B0, B1) and WK000101 (B2);
# stadsdeel SD000101 groups B1 and B2 across the two wijken.
GM, W0, W1, SD = "GM0001", "WK000100", "WK000101", "SD000101"
B0, B1, B2 = "BU00010000", "BU00010001", "BU00010100"


def small_tree() -> pd.DataFrame:
    return areas_frame(
        [
            area("NL01", "land"),
            area(GM, "gemeente", gemeente=GM),
            area(W0, "wijk", gemeente=GM),
            area(W1, "wijk", gemeente=GM),
            area(SD, "stadsdeel", gemeente=GM),
            area(B0, "buurt", wijk=W0, gemeente=GM),
            area(B1, "buurt", wijk=W0, stadsdeel=SD, gemeente=GM),
            area(B2, "buurt", wijk=W1, stadsdeel=SD, gemeente=GM),
        ]
    )


def one(result: pd.DataFrame, indicator: str, area_code: str, period: str) -> pd.Series:
    """The single result row for indicator × area × period."""
    rows = result[
        (result.indicator_id == indicator) & (result.area_code == area_code) & (result.period == period)
    ]
    assert len(rows) == 1, f"{len(rows)} rijen voor {indicator} {area_code} {period}"
    return rows.iloc[0]


def is_null(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


# --------------------------------------------------------------------------- invariants


def _expected(data: Dataset, kids: list[str], year: int) -> tuple[float | None, float | None]:
    """Spec: a sum over buurten is null as soon as one part is withheld."""
    terms = [data.counts[(b, c, year)] for b in kids for c in data.codes]
    pops = [data.pops[(b, year)] for b in kids]
    num = None if any(t is None for t in terms) else float(sum(terms))  # type: ignore[arg-type]
    den = None if any(p is None for p in pops) else float(sum(pops))  # type: ignore[arg-type]
    return num, den


def _check_row(row: pd.Series, num: float | None, den: float | None) -> None:
    if num is None:
        assert is_null(row.numerator)
        assert is_null(row.value)
        assert row.reason == "numerator-incomplete"
        return
    assert row.numerator == num
    if den is None:
        assert is_null(row.denominator)
        assert is_null(row.value)
        assert row.reason == "denominator-missing"
    elif den == 0:
        assert row.denominator == 0
        assert is_null(row.value)  # never 0, never inf
        assert row.reason == "denominator-zero"
    else:
        assert row.denominator == den
        assert row.value == pytest.approx(num * 1000 / den, rel=REL)
        assert is_null(row.reason)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(datasets())
def test_aggregation_preserves_counts_and_never_averages(data: Dataset) -> None:
    # Complete data: every parent (wijk, stadsdeel, gemeente, land) is the sum of its
    # buurten, numerator and denominator alike, and its rate is sum/sum, not a mean.
    result = run_compute(data.observations(), data.tree.frame(), [rate_indicator("r", data.codes)])
    for parent in data.tree.parents():
        for year in data.years:
            num, den = _expected(data, data.tree.children(parent), year)
            _check_row(one(result, "r", parent, str(year)), num, den)
    for buurt in data.tree.buurten:
        for year in data.years:
            num, den = _expected(data, [buurt.code], year)
            _check_row(one(result, "r", buurt.code, str(year)), num, den)
    expected_areas = {b.code for b in data.tree.buurten} | set(data.tree.parents())
    assert set(result.area_code) == expected_areas


@settings(max_examples=50, deadline=None, derandomize=True)
@given(datasets(withheld=True))
def test_withheld_parts_make_sums_null_never_partial(data: Dataset) -> None:
    # Some counts or populations are withheld (null): a wijk, stadsdeel or gemeente sum
    # with a withheld part is null, with the reason, never the sum of the known parts.
    result = run_compute(data.observations(), data.tree.frame(), [rate_indicator("r", data.codes)])
    for parent in [p for p in data.tree.parents() if p != "NL01"]:
        for year in data.years:
            num, den = _expected(data, data.tree.children(parent), year)
            _check_row(one(result, "r", parent, str(year)), num, den)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(datasets())
def test_count_indicator_value_is_the_summed_count(data: Dataset) -> None:
    # A count indicator over one code: its value is the plain sum, with no denominator.
    code = data.codes[0]
    result = run_compute(data.observations(), data.tree.frame(), [count_indicator("c", [code])])
    # NL01 is left to test_country_sum_does_not_depend_on_other_indicators.
    for parent in [p for p in data.tree.parents() if p != "NL01"]:
        kids = data.tree.children(parent)
        for year in data.years:
            row = one(result, "c", parent, str(year))
            assert row.value == sum(data.counts[(b, code, year)] for b in kids)  # type: ignore[misc]
            assert is_null(row.denominator)
            assert is_null(row.per)
            assert not row.approximate


def test_rate_is_sum_over_sum_not_mean_of_rates() -> None:
    # B0: 10 per 100 inwoners (100 per 1.000); B1: 1 per 1.000 (1 per 1.000).
    # Mean of the buurt rates would be 50.5; the wijk rate is 11 / 1100 × 1000 = 10.
    observations = observations_frame(
        [
            obs(C1, B0, 2022, 10),
            obs("inwoners", B0, 2022, 100),
            obs(C1, B1, 2022, 1),
            obs("inwoners", B1, 2022, 1000),
            obs(C1, B2, 2022, 0),
            obs("inwoners", B2, 2022, 0),
        ]
    )
    result = run_compute(observations, small_tree(), [rate_indicator("r", [C1])])
    b0, b1 = one(result, "r", B0, "2022"), one(result, "r", B1, "2022")
    mean_of_rates = (b0.value + b1.value) / 2
    assert mean_of_rates == pytest.approx(50.5, rel=REL)
    wijk = one(result, "r", W0, "2022")
    assert wijk.value == pytest.approx(10.0, rel=REL)
    assert not math.isclose(wijk.value, mean_of_rates)
    # The gemeente includes B2 with 0 inwoners: still 11 / 1100 × 1000.
    assert one(result, "r", GM, "2022").value == pytest.approx(10.0, rel=REL)


# --------------------------------------------------------------------------- nulls


@pytest.mark.parametrize(
    ("rows", "area_code", "reason"),
    [
        # B0 has a count but no population row at all: no denominator.
        ([obs(C1, B0, 2022, 5)], B0, "denominator-missing"),
        # B0's population is published as empty (null): no denominator.
        ([obs(C1, B0, 2022, 5), obs("inwoners", B0, 2022, None)], B0, "denominator-missing"),
        # B0 has 0 inwoners: no value, reason zero.
        ([obs(C1, B0, 2022, 5), obs("inwoners", B0, 2022, 0)], B0, "denominator-zero"),
        # 0 crimes among 0 inwoners: still no value (not 0, not NaN-as-value).
        ([obs(C1, B0, 2022, 0), obs("inwoners", B0, 2022, 0)], B0, "denominator-zero"),
        # Population of another year only, tolerance 0: missing.
        ([obs(C1, B0, 2022, 5), obs("inwoners", B0, 2021, 900)], B0, "denominator-missing"),
    ],
)
def test_missing_or_zero_denominator_gives_no_value(
    rows: list[dict[str, object]], area_code: str, reason: str
) -> None:
    result = run_compute(observations_frame(rows), small_tree(), [rate_indicator("r", [C1])])
    row = one(result, "r", area_code, "2022")
    assert is_null(row.value)
    assert row.value != 0 and row.value != math.inf
    assert row.reason == reason
    assert reason in REASONS


def test_withheld_buurt_count_makes_wijk_and_gemeente_null() -> None:
    # B1's count is withheld: W0 (B0+B1), SD (B1+B2) and GM are unknown, not 7 or 3;
    # W1 (B2 only) is complete.
    observations = observations_frame(
        [
            obs(C1, B0, 2022, 7),
            obs(C1, B1, 2022, None),
            obs(C1, B2, 2022, 3),
            *[obs("inwoners", b, 2022, 1000) for b in (B0, B1, B2)],
        ]
    )
    result = run_compute(observations, small_tree(), [rate_indicator("r", [C1])])
    for parent in (W0, SD, GM, "NL01"):
        row = one(result, "r", parent, "2022")
        assert is_null(row.numerator), parent
        assert is_null(row.value), parent
        assert row.reason == "numerator-incomplete", parent
    w1 = one(result, "r", W1, "2022")
    assert w1.numerator == 3
    assert w1.value == pytest.approx(3.0, rel=REL)


def test_missing_buurt_row_makes_the_sum_null() -> None:
    # B1 has no row at all for C1 (not even an empty one): W0 and GM are still unknown.
    observations = observations_frame(
        [
            obs(C1, B0, 2022, 7),
            obs(C1, B2, 2022, 3),
            *[obs("inwoners", b, 2022, 1000) for b in (B0, B1, B2)],
        ]
    )
    result = run_compute(observations, small_tree(), [rate_indicator("r", [C1])])
    for parent in (W0, GM):
        assert is_null(one(result, "r", parent, "2022").numerator), parent
    assert one(result, "r", W1, "2022").numerator == 3


def test_stored_gemeente_observation_wins_over_buurt_sum() -> None:
    # Buurten sum to 6 crimes / 3000 inwoners; the gemeente's own figures (99 / 5000)
    # are used for the gemeente, the wijken are still summed from buurten.
    observations = observations_frame(
        [
            *[obs(C1, b, 2022, 2) for b in (B0, B1, B2)],
            *[obs("inwoners", b, 2022, 1000) for b in (B0, B1, B2)],
            obs(C1, GM, 2022, 99),
            obs("inwoners", GM, 2022, 5000),
        ]
    )
    result = run_compute(observations, small_tree(), [rate_indicator("r", [C1])])
    gm = one(result, "r", GM, "2022")
    assert gm.numerator == 99
    assert gm.denominator == 5000
    assert gm.value == pytest.approx(99 * 1000 / 5000, rel=REL)
    assert one(result, "r", W0, "2022").numerator == 4
    assert one(result, "r", SD, "2022").numerator == 4


def test_only_year_periods_are_used_and_provisional_propagates() -> None:
    # A month figure for B0 is not added to the year; a provisional buurt figure makes
    # its wijk and gemeente provisional.
    observations = observations_frame(
        [
            obs(C1, B0, 2022, 2),
            obs(C1, B1, 2022, 3, status="voorlopig"),
            obs(C1, B2, 2022, 4),
            obs(C1, B0, 2022, 50, period="2022-03", period_type="maand"),
            *[obs("inwoners", b, 2022, 1000) for b in (B0, B1, B2)],
        ]
    )
    result = run_compute(observations, small_tree(), [rate_indicator("r", [C1])])
    assert set(result.period) == {"2022"}
    assert one(result, "r", GM, "2022").numerator == 9
    assert bool(one(result, "r", W0, "2022").provisional)
    assert not bool(one(result, "r", W1, "2022").provisional)
    assert bool(one(result, "r", GM, "2022").provisional)


# --------------------------------------------------------------------------- fallback


@pytest.mark.parametrize(
    ("numerator", "rows", "expected", "rank"),
    [
        # Both sources complete: the primary wins.
        ([PRIMARY], [(PRIMARY, 100), (FALLBACK, 120)], 100, 0),
        # Primary absent: the fallback, marked source_rank 1.
        ([PRIMARY], [(FALLBACK, 120)], 120, 1),
        # Primary withheld (null): the fallback.
        ([PRIMARY], [(PRIMARY, None), (FALLBACK, 120)], 120, 1),
        # No fallback figures: the primary.
        ([PRIMARY], [(PRIMARY, 100)], 100, 0),
        # Fallback withheld, primary complete: the primary.
        ([PRIMARY], [(PRIMARY, 100), (FALLBACK, None)], 100, 0),
        # Two-term primary with one term missing is incomplete: the fallback.
        ([C1, C2], [(C1, 40), (FALLBACK, 120)], 120, 1),
        # Two-term primary complete: its sum, not the fallback.
        ([C1, C2], [(C1, 40), (C2, 2), (FALLBACK, 120)], 42, 0),
    ],
)
def test_fallback_numerator_only_when_primary_incomplete(
    numerator: list[str], rows: list[tuple[str, float | None]], expected: float, rank: int
) -> None:
    observations = observations_frame(
        [obs(m, GM, 2019, v) for m, v in rows] + [obs("inwoners", GM, 2019, 10000)]
    )
    indicator = rate_indicator("t", numerator, fallback=[FALLBACK])
    row = one(run_compute(observations, small_tree(), [indicator]), "t", GM, "2019")
    assert row.numerator == expected
    assert row.source_rank == rank
    assert row.value == pytest.approx(expected * 1000 / 10000, rel=REL)


def test_both_numerators_incomplete_gives_no_value() -> None:
    observations = observations_frame(
        [obs(PRIMARY, GM, 2019, None), obs(FALLBACK, GM, 2019, None), obs("inwoners", GM, 2019, 10000)]
    )
    indicator = rate_indicator("t", [PRIMARY], fallback=[FALLBACK])
    row = one(run_compute(observations, small_tree(), [indicator]), "t", GM, "2019")
    assert is_null(row.numerator) and is_null(row.value)
    assert row.reason == "numerator-incomplete"


# --------------------------------------------------------------------------- denominator


@pytest.mark.parametrize(
    ("pops", "tolerance", "den_year", "approximate", "reason"),
    [
        # Same year available: it is used, exact.
        ({2021: 1000, 2022: 2000}, 1, 2021, False, None),
        # Tie between the year before and after: the later one, approximate.
        ({2020: 1000, 2022: 2000}, 1, 2022, True, None),
        # Only the year before within tolerance: approximate.
        ({2020: 1000}, 1, 2020, True, None),
        # Only the year after within tolerance: approximate.
        ({2022: 2000}, 1, 2022, True, None),
        # Same-year population withheld: the nearest published year.
        ({2021: None, 2022: 2000}, 1, 2022, True, None),
        # Nothing within one year: missing.
        ({2019: 1000, 2023: 1000}, 1, None, False, "denominator-missing"),
        # Tolerance 0 never uses another year, even with both neighbours present.
        ({2020: 1000, 2022: 2000}, 0, None, False, "denominator-missing"),
        # Same-year population 0 is a value: zero, not replaced by a neighbour.
        ({2021: 0, 2022: 2000}, 1, 2021, False, "denominator-zero"),
    ],
)
def test_denominator_tolerance(
    pops: dict[int, float | None],
    tolerance: int,
    den_year: int | None,
    approximate: bool,
    reason: str | None,
) -> None:
    observations = observations_frame(
        [obs(C1, GM, 2021, 30)] + [obs("inwoners", GM, y, v) for y, v in pops.items()]
    )
    indicator = rate_indicator("r", [C1], tolerance=tolerance)
    row = one(run_compute(observations, small_tree(), [indicator]), "r", GM, "2021")
    assert bool(row.approximate) is approximate
    if reason is None:
        assert row.denominator_year == den_year
        assert row.denominator == pops[den_year]  # type: ignore[index]
        assert row.value == pytest.approx(30 * 1000 / pops[den_year], rel=REL)  # type: ignore[index,operator]
        assert is_null(row.reason)
    else:
        assert is_null(row.value)
        assert row.reason == reason
        if den_year is None:
            assert is_null(row.denominator_year)


# --------------------------------------------------------------------------- surveys


def test_survey_figures_are_never_summed() -> None:
    # Every buurt has a survey percentage; neither wijk, stadsdeel, gemeente nor land may
    # get a value from them. The gemeente's own published figure is used as it is.
    vm = "vm:weleens-onveilig-buurt"
    observations = observations_frame(
        [
            *[obs(vm, b, 2019, 20.0) for b in (B0, B1, B2)],
            *[obs(f"{vm}:ondergrens", b, 2019, 15.0) for b in (B0, B1, B2)],
            *[obs(f"{vm}:bovengrens", b, 2019, 25.0) for b in (B0, B1, B2)],
            obs(vm, GM, 2019, 24.2),
            obs(f"{vm}:ondergrens", GM, 2019, 22.0),
            obs(f"{vm}:bovengrens", GM, 2019, 26.4),
        ]
    )
    result = run_compute(observations, small_tree(), [survey_indicator("s", vm)])
    derived = result[result.area_code.isin([W0, W1, SD, "NL01"])]
    assert derived.value.isna().all()
    gm = one(result, "s", GM, "2019")
    assert gm.value == pytest.approx(24.2, rel=REL)
    assert gm.survey_low == pytest.approx(22.0, rel=REL)
    assert gm.survey_high == pytest.approx(26.4, rel=REL)
    assert one(result, "s", B0, "2019").value == pytest.approx(20.0, rel=REL)


def test_survey_measure_not_summed_even_when_a_count_indicator_is_present() -> None:
    # A count indicator in the same run makes its own codes additive, not the survey's.
    vm = "vm:rapportcijfer-veiligheid-buurt"
    observations = observations_frame(
        [*[obs(vm, b, 2019, 7.0) for b in (B0, B1, B2)], *[obs(C1, b, 2019, 1) for b in (B0, B1, B2)]]
    )
    indicators = [survey_indicator("s", vm), count_indicator("c", [C1])]
    result = run_compute(observations, small_tree(), indicators)
    assert one(result, "c", GM, "2019").value == 3
    survey = result[(result.indicator_id == "s") & (result.level != "buurt")]
    assert survey.value.isna().all()


# --------------------------------------------------------------------------- country


def _country_case(
    n_census: int, n_no_census: int, reporting_census: int, reporting_no_census: int
) -> pd.DataFrame:
    """Gemeenten with/without an inwoners value; some of each report 10 crimes."""
    areas = [area("NL01", "land")]
    rows = []
    for i in range(n_census + n_no_census):
        code = f"GM{i + 1:04d}"
        areas.append(area(code, "gemeente", gemeente=code))
        has_census = i < n_census
        if has_census:
            rows.append(obs("inwoners", code, 2022, 1000))
        reports = i < reporting_census if has_census else i - n_census < reporting_no_census
        if reports:
            rows.append(obs(C1, code, 2022, 10))
    indicators = [rate_indicator("r", [C1]), count_indicator("c", [C1])]
    return run_compute(observations_frame(rows), areas_frame(areas), indicators)


@pytest.mark.parametrize(
    ("n_census", "n_no_census", "reporting_census", "reporting_no_census", "expected"),
    [
        # All 100 gemeenten report: the full sum.
        (100, 0, 100, 0, 1000),
        # 99 of 100 report: exactly 99% coverage, summed.
        (100, 0, 99, 0, 990),
        # 98 of 100 report: below 99%, no national figure.
        (100, 0, 98, 0, None),
        # 2 gemeenten have no population figure (merged away) and do not report:
        # 98 of the 98 with a census value report, summed.
        (98, 2, 98, 0, 980),
        # 98 of 100 gemeenten with a census value report; 2 gemeenten without a census
        # value also report. Coverage of the census gemeenten is 98%: no national figure.
        (100, 2, 98, 2, None),
    ],
)
def test_country_is_summed_only_with_99_percent_coverage(
    n_census: int,
    n_no_census: int,
    reporting_census: int,
    reporting_no_census: int,
    expected: float | None,
) -> None:
    # The rate indicator reads inwoners, so the census is available to the engine.
    result = _country_case(n_census, n_no_census, reporting_census, reporting_no_census)
    nl = result[(result.area_code == "NL01") & (result.indicator_id == "r")]
    if expected is None:
        assert nl.numerator.isna().all()
        assert nl.value.isna().all()
    else:
        assert len(nl) == 1
        assert nl.iloc[0].numerator == expected
        assert nl.iloc[0].denominator == 1000 * n_census
        assert nl.iloc[0].value == pytest.approx(expected * 1000 / (1000 * n_census), rel=REL)
        # Below full coverage the national sum is a slight undercount: marked approximate.
        assert bool(nl.iloc[0].approximate) == (reporting_census < n_census)


def test_country_sum_does_not_depend_on_other_indicators() -> None:
    # All gemeenten report and all have a population: a count indicator computed on its
    # own gets the national figure too (the census measure is in the observations).
    areas = areas_frame(
        [area("NL01", "land"), *[area(g, "gemeente", gemeente=g) for g in ("GM0001", "GM0002")]]
    )
    observations = observations_frame(
        [
            obs(C1, "GM0001", 2022, 10),
            obs(C1, "GM0002", 2022, 5),
            obs("inwoners", "GM0001", 2022, 1000),
            obs("inwoners", "GM0002", 2022, 800),
        ]
    )
    alone = run_compute(observations, areas, [count_indicator("c", [C1])])
    assert one(alone, "c", "NL01", "2022").value == 15


def test_stored_country_figure_wins() -> None:
    areas = areas_frame([area("NL01", "land"), area(GM, "gemeente", gemeente=GM)])
    observations = observations_frame(
        [obs(C1, GM, 2022, 10), obs("inwoners", GM, 2022, 1000), obs(C1, "NL01", 2022, 800000)]
    )
    result = run_compute(observations, areas, [count_indicator("c", [C1])])
    assert one(result, "c", "NL01", "2022").value == 800000


# --------------------------------------------------------------------------- intervals


def test_add_intervals_on_engine_output() -> None:
    # Rates get the Poisson interval of the count × per / denominator; counts the plain
    # interval. Reference values: Garwood interval of 10 = [4.795389, 18.390356],
    # of 0 = [0, 3.688879] (rel 1e-6).
    observations = observations_frame(
        [
            obs(C1, B0, 2022, 10),
            obs("inwoners", B0, 2022, 2000),
            obs(C1, B1, 2022, 4),
            obs("inwoners", B1, 2022, None),
            obs(C1, B2, 2022, 0),
            obs("inwoners", B2, 2022, 500),
        ]
    )
    indicators = [rate_indicator("r", [C1]), count_indicator("c", [C1])]
    result = run_compute(observations, small_tree(), indicators)
    out = add_intervals(result, {i.id: i.kind for i in indicators})
    b0 = out[(out.indicator_id == "r") & (out.area_code == B0)].iloc[0]
    assert b0.ci_low == pytest.approx(4.795389 * 1000 / 2000, rel=1e-6)
    assert b0.ci_high == pytest.approx(18.390356 * 1000 / 2000, rel=1e-6)
    b1 = out[(out.indicator_id == "r") & (out.area_code == B1)].iloc[0]
    assert math.isnan(b1.ci_low) and math.isnan(b1.ci_high)  # no denominator, no interval
    c0 = out[(out.indicator_id == "c") & (out.area_code == B0)].iloc[0]
    assert c0.ci_low == pytest.approx(4.795389, rel=1e-6)
    assert c0.ci_high == pytest.approx(18.390356, rel=1e-6)
    b2 = out[(out.indicator_id == "r") & (out.area_code == B2)].iloc[0]
    assert b2.ci_low == 0.0
    assert b2.ci_high == pytest.approx(3.688879 * 1000 / 500, rel=1e-6)
    assert "survey_low" not in out.columns


def test_add_intervals_on_engine_output_with_zero_population() -> None:
    # A buurt with 0 inwoners has no value; add_intervals must give it no interval and
    # must not emit a numpy RuntimeWarning (division by zero) doing so.
    observations = observations_frame([obs(C1, B1, 2022, 4), obs("inwoners", B1, 2022, 0)])
    indicators = [rate_indicator("r", [C1])]
    result = run_compute(observations, small_tree(), indicators)
    out = add_intervals(result, {"r": indicators[0].kind})
    b1 = out[out.area_code == B1].iloc[0]
    assert math.isnan(b1.ci_low) and math.isnan(b1.ci_high)
