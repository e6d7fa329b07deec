# SPDX-License-Identifier: EUPL-1.2
"""Indicator values of the real embedded data, reconciled with the seed's published table."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.engine.significance import Signal
from veiligstad.services import monitor


def _row(values: pd.DataFrame, indicator: str, area: str, period: str) -> pd.Series:
    rows = values[(values.indicator_id == indicator) & (values.area_code == area) & (values.period == period)]
    assert len(rows) == 1, (indicator, area, period, len(rows))
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("indicator", "year", "published", "label"),
    [
        # property crime = 1.1.2 + 1.2.1 + 1.2.2 + 1.2.3 + 1.2.4 (IVA registrations), per 1,000
        ("schaalscore-vermogensdelicten", "2017", 28.6, monitor.MATCH),
        ("schaalscore-vermogensdelicten", "2018", 22.1, monitor.DIFFERS),  # 22,25 computed
        ("schaalscore-vermogensdelicten", "2019", 23.7, monitor.MATCH),
        # HIC = 1.1.1 + 1.4.6 + 1.4.7
        ("schaalscore-hic", "2017", 3.7, monitor.DIFFERS),  # 3,77 computed
        ("schaalscore-hic", "2018", 3.7, monitor.MATCH),
        ("schaalscore-hic", "2019", 3.3, monitor.MATCH),
        ("diefstallen-uit-woning", "2017", 3.5, monitor.MATCH),
        ("diefstallen-uit-woning", "2018", 3.5, monitor.MATCH),
        ("diefstallen-uit-woning", "2019", 2.9, monitor.MATCH),
        # survey: the Veiligheidsmonitor figure itself
        ("rapportcijfer-veiligheid-buurt", "2017", 6.9, monitor.MATCH),
        ("rapportcijfer-veiligheid-buurt", "2019", 7.1, monitor.MATCH),
        # years the embedded data do not cover: published only, never a computed 0
        ("diefstallen-uit-woning", "2021", 1.1, monitor.PUBLISHED_ONLY),
        ("halt-verwijzingen", "2020", 29.0, monitor.PUBLISHED_ONLY),
    ],
)
def test_reconciliation_with_the_seed(
    values: pd.DataFrame, indicator: str, year: str, published: float, label: str
) -> None:
    row = _row(values, indicator, "GM0935", year)
    assert row.published_value == pytest.approx(published)
    assert row.reconciliation == label
    if label == monitor.PUBLISHED_ONLY:
        assert math.isnan(row.value) and row.reason == "no-source-data"
    else:
        # the difference is computed minus published; within half a unit of 0.1 when matching
        assert row.difference == pytest.approx(row.value - published)
        assert (abs(row.difference) <= 0.05 + 1e-9) == (label == monitor.MATCH)


def test_no_measurement_years_are_kept_as_gm_not_zero(values: pd.DataFrame) -> None:
    row = _row(values, "onveilig-gevoel-buurt", "GM0935", "2018")
    assert row.published_status == "GM"
    assert math.isnan(row.published_value)
    assert row.reconciliation == monitor.NO_MEASUREMENT_LABEL


def test_rates_carry_numerator_denominator_unit_and_interval(values: pd.DataFrame) -> None:
    row = _row(values, "schaalscore-hic", "GM0935", "2019")
    assert (row.numerator, row.denominator) == (404, 121565)  # 357 + 35 + 12 registrations
    assert row.value == pytest.approx(404 / 121565 * 1000)
    assert row.unit == "per 1.000 inwoners"
    assert row.ci_low < row.value < row.ci_high


def test_buurt_rates_use_the_population_of_their_own_year(values: pd.DataFrame) -> None:
    # 85618NED gives the buurt populations of 1 January 2023 (the nearest-year fallback is
    # tested on constructed data in tests/engine/test_compute.py).
    row = _row(values, "misdrijven-totaal", "BU09350000", "2023")  # Binnenstad
    assert (row.numerator, row.denominator, row.denominator_year) == (1232, 2205, 2023)
    assert not bool(row.approximate)


def test_wijk_and_stadsdeel_are_sums_of_their_buurten(values: pd.DataFrame) -> None:
    buurten = values[(values.indicator_id == "misdrijven-totaal") & (values.level == "buurt")]
    wijken = values[(values.indicator_id == "misdrijven-totaal") & (values.level == "wijk")]
    stadsdelen = values[(values.indicator_id == "misdrijven-totaal") & (values.level == "stadsdeel")]
    assert buurten.numerator.sum() == wijken.numerator.sum() == stadsdelen.numerator.sum() == 7781
    assert buurten.denominator.sum() == wijken.denominator.sum() == stadsdelen.denominator.sum()


def test_stored_gemeente_total_wins_over_the_buurt_sum(values: pd.DataFrame) -> None:
    # 47013NED counts 7,840 for Maastricht in 2023; its 44 buurten sum to 7,781.
    assert _row(values, "misdrijven-totaal", "GM0935", "2023").numerator == 7840


def test_missing_source_data_is_a_reason_not_a_zero(values: pd.DataFrame, definitions: Definitions) -> None:
    halt = values[values.indicator_id == "halt-verwijzingen"]
    assert halt.value.isna().all()
    assert (halt.reason == "no-source-data").all()
    definition = definitions.indicator("halt-verwijzingen")
    assert "halt:verwijzingen" in monitor.reason_text("no-source-data", definition)


def test_status_per_programme_indicator(values: pd.DataFrame, definitions: Definitions) -> None:
    rows = {r.indicator.id: r for r in monitor.status(values, definitions)}
    assert set(rows) == {i.id for i in definitions.programme.indicators}
    hic = rows["schaalscore-hic"]
    assert (hic.baseline_year, hic.baseline_value, hic.baseline_source) == (2021, 1.3, "gepubliceerd")
    assert (hic.computed_year, hic.matches, hic.differs) == (2019, 2, 1)
    total = rows["misdrijven-totaal"]
    assert total.theme_id is None and total.latest_year == 2024
    # 2020 → 2024 (+18%): within the year-to-year variation of the series (φ from its other
    # years, quasi-Poisson); under Poisson (φ = 1) this was "significant gestegen"
    assert total.comparison is not None and total.comparison.signal is Signal.NO_CHANGE
    assert total.comparison.phi is not None and total.comparison.phi > 1
    assert "zonder 2020 en 2024" in total.comparison.phi_source
    assert "andere bron" in total.note  # CBS 83648NED in 2020, Politie 47013NED in 2024
    assert rows["halt-verwijzingen"].published_unit == "per 1.000 jongeren 12-17 jaar"


def test_export_has_the_required_columns(values: pd.DataFrame) -> None:
    frame = monitor.export_frame(values)
    required = {
        "indicator_id",
        "area_code",
        "period",
        "value",
        "numerator",
        "denominator",
        "unit",
        "ci_low",
        "ci_high",
        "published_value",
    }
    assert required <= set(frame.columns)
    assert not frame.duplicated(["indicator_id", "area_code", "period"]).any()


def _status_frame(breaks: dict[int, str]) -> pd.DataFrame:
    years = list(range(2014, 2025))
    counts = [8000.0 + 20 * (i % 3) for i in range(len(years))]
    counts[-1] = 9500.0
    return pd.DataFrame(
        {
            "indicator_id": "misdrijven-totaal",
            "area_code": "GM0935",
            "period": [str(y) for y in years],
            "year": years,
            "value": [k / 1200 for k in counts],
            "numerator": counts,
            "denominator": 120_000.0,
            "ci_low": None,
            "ci_high": None,
            "provisional": False,
            "level": "gemeente",
            "published_value": None,
            "published_status": None,
            "reconciliation": "",
            "numerator_source": "misdrijven:0.0.0",
            "reason": None,
            "territory_break": [breaks.get(y, "") for y in years],
        }
    )


def test_status_baseline_across_a_boundary_break_is_not_tested(definitions: Definitions) -> None:
    plain = {r.indicator.id: r for r in monitor.status(_status_frame({}), definitions)}
    tested = plain["misdrijven-totaal"].comparison
    assert tested is not None and tested.signal is Signal.ROSE  # 2021 → 2024: +19%, small φ
    assert tested.method.startswith("mid-p") or tested.method.startswith("quasi-Poisson")
    broken = _status_frame({2023: "herindeling per 1 januari 2023"})
    rows = {r.indicator.id: r for r in monitor.status(broken, definitions)}
    comparison = rows["misdrijven-totaal"].comparison
    assert comparison is not None and comparison.signal is Signal.TOO_LITTLE
    assert "herindeling per 1 januari 2023" in comparison.reason
