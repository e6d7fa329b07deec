# SPDX-License-Identifier: EUPL-1.2
"""Peer groups of similar size and the comparison with the Netherlands, on constructed frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from veiligstad.domain.indicators import Direction, Indicator, IndicatorKind
from veiligstad.engine import funnel as funnels
from veiligstad.engine.dispersion import POISSON
from veiligstad.engine.intervals import poisson_interval
from veiligstad.engine.significance import Signal, compare_counts
from veiligstad.services import peers

TOL = 1e-12

RATE = Indicator(
    id="misdrijven-totaal",
    name="Geregistreerde misdrijven",
    name_en="Registered crime",
    description="Alle geregistreerde misdrijven per 1.000 inwoners.",
    kind=IndicatorKind.RATE,
    unit="per 1.000 inwoners",
    direction=Direction.LOWER_IS_BETTER,
    numerator=["misdrijven:0.0.0"],
    denominator="inwoners",
    per=1000,
    source="constructed",
)
SURVEY = RATE.model_copy(
    update={"id": "onveilig", "kind": IndicatorKind.SURVEY, "unit": "%", "denominator": None, "per": None}
)


def row(
    code: str, numerator: float | None, denominator: float, *, level: str = "gemeente", **extra: object
) -> dict[str, object]:
    """One value row as services.monitor makes it (public: suppressed counts emptied)."""
    value = None if numerator is None else numerator * 1000 / denominator
    return {
        "indicator_id": RATE.id,
        "area_code": code,
        "area_name": f"Gemeente {code}",
        "level": level,
        "period": "2024",
        "year": 2024,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "denominator_year": 2024.0,
        "ci_low": None,
        "ci_high": None,
        "suppressed": False,
        "disclosure": "",
        **extra,
    }


def frame() -> pd.DataFrame:
    """Municipality GM0001 (120,000) with three peers, one withheld, and two gemeenten outside."""
    return pd.DataFrame(
        [
            row("GM0001", 7200.0, 120_000.0),
            row("GM0002", 5000.0, 100_000.0),  # lower edge: inside
            row("GM0003", 9000.0, 149_999.0),
            row("GM0004", None, 110_000.0, suppressed=True, disclosure="< 5"),  # withheld: left out
            row("GM0005", 100.0, 150_000.0),  # upper edge: next class
            row("GM0006", 800.0, 40_000.0),
            row("NL01", 30_000.0, 1_000_000.0, level="land"),
        ]
    )


@pytest.mark.parametrize(
    ("population", "label"),
    [
        (0, "minder dan 5.000 inwoners"),
        (4_999, "minder dan 5.000 inwoners"),
        (5_000, "5.000 tot 10.000 inwoners"),  # lower bound belongs to the class
        (19_999, "10.000 tot 20.000 inwoners"),
        (49_999, "20.000 tot 50.000 inwoners"),
        (50_000, "50.000 tot 100.000 inwoners"),
        (122_734, "100.000 tot 150.000 inwoners"),  # Maastricht 2023
        (150_000, "150.000 tot 250.000 inwoners"),
        (249_999, "150.000 tot 250.000 inwoners"),
        (250_000, "250.000 inwoners of meer"),
        (931_298, "250.000 inwoners of meer"),  # Amsterdam
    ],
)
def test_size_class_boundaries(population: int, label: str) -> None:
    assert peers.size_class(population).label == label


def test_size_class_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        peers.size_class(float("nan"))


def test_populations_come_from_the_inhabitant_denominators_of_gemeenten() -> None:
    pops = peers.populations(frame(), [RATE])
    assert "NL01" not in set(pops["area_code"])
    assert pops.set_index("area_code").loc["GM0001", "population"] == 120_000.0
    assert set(pops["year"]) == {2024}


def test_peer_group_sums_numerators_and_denominators() -> None:
    values = frame()
    group = peers.peer_group(values, peers.populations(values, [RATE]), RATE, "GM0001", 2024)
    assert group is not None
    assert group.size_class.label == "100.000 tot 150.000 inwoners"
    assert (group.population, group.population_year) == (120_000.0, 2024)
    assert list(group.members["area_code"]) == ["GM0002", "GM0003", "GM0004"]
    # Sum over sum, not the mean of the rates (50 and 60.0004 would average to 55.0002).
    k, n = 5000.0 + 9000.0, 100_000.0 + 149_999.0
    assert group.group.numerator == k and group.group.denominator == n
    assert_allclose(group.group.value, k * 1000 / n, rtol=TOL)
    assert group.group.value != pytest.approx((50.0 + 9000 * 1000 / 149_999) / 2)
    assert (group.group.counted, group.group.missing) == (2, 1)


def test_peer_interval_is_the_exact_poisson_interval_of_the_summed_count() -> None:
    values = frame()
    group = peers.peer_group(values, peers.populations(values, [RATE]), RATE, "GM0001", 2024)
    assert group is not None
    low, high = poisson_interval([14_000.0])
    n = 249_999.0
    assert_allclose(
        [group.group.ci_low, group.group.ci_high], [low[0] * 1000 / n, high[0] * 1000 / n], rtol=TOL
    )


def test_municipality_against_few_peers_falls_back_to_the_poisson_test() -> None:
    values = frame()
    group = peers.peer_group(values, peers.populations(values, [RATE]), RATE, "GM0001", 2024)
    assert group is not None
    # two peers with a count: too few for the funnel's between-gemeente variance
    expected = compare_counts(14_000.0, 249_999.0, 7200.0, 120_000.0, POISSON)
    assert group.comparison == expected
    assert group.comparison.signal is Signal.ROSE  # 60 against 56 per 1.000 on these numbers


def test_no_population_means_no_peer_group() -> None:
    values = frame()
    assert peers.peer_group(values, peers.populations(values, [RATE]), RATE, "GM9999", 2024) is None


def test_population_of_takes_the_nearest_earlier_year() -> None:
    pops = pd.DataFrame({"area_code": ["GM0001", "GM0001"], "year": [2020, 2022], "population": [1.0, 2.0]})
    assert peers.population_of(pops, "GM0001", 2023) == (2.0, 2022)
    assert peers.population_of(pops, "GM0001", 2019) is None


def test_aggregate_of_nothing_known_has_no_value() -> None:
    empty = pd.DataFrame({"numerator": [None], "denominator": [100.0]})
    result = peers.aggregate(empty, 1000)
    assert result.value is None and result.missing == 1


def test_against_country_with_too_few_gemeenten_tests_the_rest_of_the_netherlands() -> None:
    values = frame()
    values = values[values["area_code"] != "GM0006"]  # four gemeenten with a count: no funnel
    result = peers.against_country(values, RATE, "GM0001", 2024)
    assert result == compare_counts(30_000.0 - 7200.0, 1_000_000.0 - 120_000.0, 7200.0, 120_000.0, POISSON)
    assert result.signal is Signal.ROSE  # 60 against 25.9 per 1.000


def _country(own: float, rng_seed: int = 3) -> pd.DataFrame:
    """GM0001 (120,000 inhabitants, ``own`` crimes) and 60 gemeenten around 50 per 1.000
    with a real spread between them (τ = 0,15)."""
    rng = np.random.default_rng(rng_seed)
    pops = rng.uniform(2e4, 2e5, 60)
    counts = rng.poisson(0.05 * pops * np.exp(rng.normal(0, 0.15, 60)))
    rows = [row("GM0001", own, 120_000.0)]
    rows += [
        row(f"GM{i + 2:04d}", float(k), float(n)) for i, (k, n) in enumerate(zip(counts, pops, strict=True))
    ]
    total_k = own + float(counts.sum())
    total_n = 120_000.0 + float(pops.sum())
    rows.append(row("NL01", total_k, total_n, level="land"))
    return pd.DataFrame(rows)


def test_against_country_uses_overdispersed_funnel_limits() -> None:
    values = _country(6900.0)  # 57,5 per 1.000: 15% above the others
    result = peers.against_country(values, RATE, "GM0001", 2024)
    assert result.method == funnels.METHOD and result.tau2 is not None and result.tau2 > 0
    assert "gemeenten in Nederland" in result.phi_source
    assert result.signal is Signal.NO_CHANGE  # within the spread between gemeenten
    rest = values[values["area_code"].str.startswith("GM") & (values["area_code"] != "GM0001")]
    poisson = compare_counts(
        float(rest["numerator"].sum()), float(rest["denominator"].sum()), 6900.0, 120_000.0, POISSON
    )
    assert poisson.signal is Signal.ROSE and poisson.p_value is not None and poisson.p_value < 1e-15
    extreme = peers.against_country(_country(12_000.0), RATE, "GM0001", 2024)  # 100 per 1.000
    assert extreme.signal is Signal.ROSE


def test_against_country_without_a_count_is_too_little() -> None:
    values = frame()
    values.loc[values["area_code"] == "GM0001", "numerator"] = None
    assert peers.against_country(values, RATE, "GM0001", 2024).signal is Signal.TOO_LITTLE


def test_survey_figures_are_compared_with_their_margins() -> None:
    values = pd.DataFrame(
        [
            {"area_code": "GM0001", "year": 2021, "value": 30.0, "ci_low": 28.0, "ci_high": 32.0},
            {"area_code": "NL01", "year": 2021, "value": 20.0, "ci_low": 19.5, "ci_high": 20.5},
        ]
    )
    result = peers.against_country(values, SURVEY, "GM0001", 2021)
    assert result.signal is Signal.ROSE and "marges" in result.method
    values.loc[1, ["ci_low", "ci_high"]] = None
    assert peers.against_country(values, SURVEY, "GM0001", 2021).signal is Signal.TOO_LITTLE


def test_benchmark_frames_put_the_municipality_first_and_label_the_comparisons() -> None:
    values = frame().assign(provisional=False)
    bench = peers.benchmark(values, peers.populations(values, [RATE]), RATE, "GM0001")
    assert bench.year == 2024 and bench.peers is not None
    table = peers.comparison_frame(bench, "Gemeente 1")
    assert list(table["soort"]) == ["gemeente", "land", "groep"]
    # against the country: funnel over five very different gemeenten (one at 0,7 per 1.000), so
    # the spread between gemeenten is large and 60 per 1.000 is within it; peers: Poisson fallback
    assert list(table["gemeente_ten_opzichte_hiervan"]) == [
        "",
        "geen significant verschil",
        "significant hoger",
    ]
    spread = [str(v) for v in table["spreiding"]]
    assert table.loc[1, "toets"] == funnels.METHOD and spread[1].startswith("φ = ")
    assert "τ = " in spread[1] and "φ = 1,0" in spread[2]
    assert table.loc[2, "gebied"] == "Gemeenten met 100.000 tot 150.000 inwoners"
    members = peers.members_frame(bench.peers)
    assert list(members["code"]) == ["GM0002", "GM0003", "GM0004"]
    assert members.loc[2, "afgeschermd"] == "< 5" and pd.isna(members.loc[2, "waarde"])


def test_benchmark_without_a_final_value_and_for_surveys() -> None:
    values = frame().assign(provisional=True)  # only provisional figures: nothing to compare
    bench = peers.benchmark(values, peers.populations(values, [RATE]), RATE, "GM0001")
    assert bench.year is None and peers.comparison_frame(bench, "x").empty
    survey = frame().assign(provisional=False, indicator_id=SURVEY.id)
    bench = peers.benchmark(survey, peers.populations(survey, [RATE]), SURVEY, "GM0001")
    assert bench.peers is None and "niet opgeteld of gemiddeld" in bench.peers_reason
