# SPDX-License-Identifier: EUPL-1.2
"""Trend reports on the embedded real data, and CompStat on constructed monthly figures
added to a copy of the loaded warehouse."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.stats import theilslopes

from veiligstad.definitions.validation import Definitions
from veiligstad.engine.significance import Signal
from veiligstad.errors import NotFound
from veiligstad.services import monitor, trends
from veiligstad.storage.warehouse import OBSERVATION_SCHEMA, Batch, Warehouse

TOL = 1e-9


def add_months(url: str, rows: list[tuple[str, str, str, float | None, str]]) -> None:
    """Load constructed monthly observations (measure, area, YYYY-MM, value, status)."""
    batch_id = "synthetic-months@1"
    table = pa.Table.from_pylist(
        [
            {
                "measure": m,
                "area_code": a,
                "period": p,
                "period_type": "maand",
                "year": int(p[:4]),
                "value": v,
                "unit": "aantal",
                "status": s,
                "source_id": "synthetic-months",
                "batch_id": batch_id,
            }
            for m, a, p, v, s in rows
        ],
        schema=OBSERVATION_SCHEMA.to_pyarrow(),
    )
    now = dt.datetime.now(dt.UTC)
    batch = Batch(
        batch_id, "synthetic-months", "test", "test", "test", None, "-", "h", "", "", "", len(rows), now
    )
    with Warehouse.open(url) as warehouse:
        warehouse.replace_source(batch, table)


def constructed_months() -> list[tuple[str, str, str, float | None, str]]:
    """GM0935 registered crime: 600 a month in 2023, 700 in 2024 and January 2025, then
    two provisional low months (police lag)."""
    rows = []
    for year, count in ((2023, 600.0), (2024, 700.0)):
        rows += [("misdrijven:0.0.0", "GM0935", f"{year}-{m:02d}", count, "definitief") for m in range(1, 13)]
    rows.append(("misdrijven:0.0.0", "GM0935", "2025-01", 700.0, "definitief"))
    rows += [("misdrijven:0.0.0", "GM0935", f"2025-{m:02d}", 300.0, "voorlopig") for m in (2, 3)]
    return rows


@pytest.fixture(scope="module")
def monthly_url(loaded_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the loaded warehouse with constructed monthly figures for GM0935."""
    source = loaded_url.removeprefix("duckdb://")
    target = tmp_path_factory.mktemp("monthly") / "veiligstad.duckdb"
    shutil.copy(source, target)
    url = f"duckdb://{target}"
    add_months(url, constructed_months())
    return url


def test_registered_crime_maastricht_falls(warehouse: Warehouse, definitions: Definitions) -> None:
    report = trends.trend_report(warehouse, definitions, "misdrijven-totaal", "GM0935")
    years = [int(p.time) for p in report.points]
    assert years[0] == 2010 and years[-1] == 2024 and 2021 not in years
    assert report.trend.n == 14
    assert report.trend.signal is Signal.FELL and report.trend.p_value is not None
    assert report.trend.p_value < 0.001
    values = [p.value for p in report.points]
    assert report.trend.slope == pytest.approx(theilslopes(values, years).slope, abs=TOL)
    assert -6.0 < (report.trend.slope or 0) < -5.0  # per 1.000 inwoners per jaar
    pairs = {(c.before.label, c.after.label): c.comparison.signal for c in report.changes}
    # 2021 missing: compared with the last known year. +16.9% is within the year-to-year
    # variation of this series (φ from its other years, far above Poisson): no signal.
    assert pairs[("2020", "2022")] is Signal.NO_CHANGE
    assert pairs[("2022", "2023")] is Signal.NO_CHANGE
    last = report.changes[-1].comparison
    assert last.method.startswith("quasi-Poisson") and last.phi is not None and last.phi > 7.5
    assert "zonder 2023 en 2024" in last.phi_source
    assert report.dispersion is not None and report.dispersion.source.startswith("eigen reeks 2010–2024")
    assert report.compstat is None  # no monthly figures in the embedded data
    assert report.parent_code == "NL01" and report.versus is not None
    # Against the MJP baseline (2021 has no figure: the nearest earlier year, as in `status`).
    assert report.baseline is not None and report.baseline_note.startswith("basisjaar 2021 ontbreekt")
    assert (report.baseline.before.label, report.baseline.after.label) == ("2020", "2024")
    assert report.baseline.comparison.signal is Signal.NO_CHANGE  # was "significant gestegen" (φ = 1)
    assert report.baseline.comparison.phi is not None and report.baseline.comparison.phi > 1
    # Against the rest of the country: funnel limits over all gemeenten (Spiegelhalter), not p = 1e-248.
    versus = report.versus.comparison
    assert report.versus.area.label == "2024" and versus.method.startswith("trechtergrens")
    assert versus.tau2 is not None and versus.tau2 > 0 and "gemeenten in Nederland" in versus.phi_source
    assert versus.p_value is not None and versus.p_value > 1e-6


def test_hic_2014_2019(warehouse: Warehouse, definitions: Definitions) -> None:
    report = trends.trend_report(warehouse, definitions, "schaalscore-hic", "GM0935")
    assert [p.label for p in report.points if p.value is not None] == [str(y) for y in range(2014, 2020)]
    assert report.trend.n == 6 and report.trend.signal is Signal.FELL
    assert report.trend.tau == pytest.approx(-1.0)


def test_survey_without_margins(warehouse: Warehouse, definitions: Definitions) -> None:
    report = trends.trend_report(warehouse, definitions, "onveilig-gevoel-buurt", "BU09350201")
    assert report.trend.signal is Signal.TOO_LITTLE and report.trend.n == 2
    (change,) = report.changes
    assert change.comparison.signal is Signal.TOO_LITTLE and change.comparison.reason == "marges onbekend"


def test_unknown_indicator(warehouse: Warehouse, definitions: Definitions) -> None:
    with pytest.raises(NotFound, match="Onbekende indicator"):
        trends.trend_report(warehouse, definitions, "bestaat-niet", "GM0935")


def test_compstat_from_monthly_observations(monthly_url: str, definitions: Definitions) -> None:
    with Warehouse.open(monthly_url) as warehouse:
        report = trends.trend_report(warehouse, definitions, "misdrijven-totaal", "GM0935")
    result = report.compstat
    assert result is not None
    assert result.last_complete == (2025, 1)
    assert result.provisional == ((2025, 2), (2025, 3))
    blocks = {b.kind: b for b in result.blocks}
    assert blocks["maand"].comparison.signal is Signal.NO_CHANGE
    assert blocks["jaar-tot-nu"].comparison.signal is Signal.NO_CHANGE
    rolling = blocks["12-maanden"]
    assert rolling.current.count == 12 * 700 and rolling.previous.count == 11 * 600 + 700
    # +15% in 12 months, tested with φ of the area's yearly series (far above 1): no signal
    assert report.dispersion is not None and rolling.comparison.phi == report.dispersion.phi
    assert rolling.comparison.signal is Signal.NO_CHANGE
    # Stored years win over sums of months: the yearly series is unchanged.
    assert report.trend.n == 14


def _frame(
    area: str, counts: list[float], first: int = 2010, breaks: dict[int, str] | None = None
) -> pd.DataFrame:
    years = list(range(first, first + len(counts)))
    frame = pd.DataFrame(
        {
            "indicator_id": "misdrijven-totaal",
            "area_code": area,
            "period": [str(y) for y in years],
            "year": years,
            "value": [k / 100 for k in counts],
            "numerator": counts,
            "denominator": 100_000.0,
            "ci_low": None,
            "ci_high": None,
            "provisional": False,
            "level": "gemeente",
            "area_name": area,
        }
    )
    if breaks is not None:
        frame["territory_break"] = [breaks.get(y, "") for y in years]
    return frame


def test_points_read_territory_break_where_the_column_exists() -> None:
    with_break = _frame("GM0441", [1000.0] * 6, breaks={2013: "herindeling per 1 januari 2013"})
    pts = trends.points(with_break)
    assert [p.break_before for p in pts] == ["", "", "", "herindeling per 1 januari 2013", "", ""]
    assert all(p.break_before == "" for p in trends.points(_frame("GM0441", [1000.0] * 6)))


def test_report_with_a_break_does_not_test_across_it(definitions: Definitions) -> None:
    indicator = definitions.indicator("misdrijven-totaal")
    assert indicator is not None
    counts = [1000.0, 1050.0, 980.0, 2400.0, 2350.0, 2500.0, 2420.0, 2380.0, 2460.0, 2410.0]
    reason = "herindeling per 1 januari 2013"
    values = _frame("GM0441", counts, breaks={2013: reason})
    report = trends.report_from_values(values, indicator, "GM0441")
    by_after = {c.after.label: c.comparison for c in report.changes}
    assert by_after["2013"].signal is Signal.TOO_LITTLE and reason in by_after["2013"].reason
    assert by_after["2014"].signal is not Signal.TOO_LITTLE
    # trend and φ from 2013 on only: 7 points
    assert report.trend.n == 7 and "vanaf 2013" in report.trend.reason
    assert report.dispersion is not None and "2013–2019" in report.dispersion.source
    baseline, _ = trends.against_baseline(report.points, 2011, survey=False)
    assert baseline is not None and baseline.comparison.signal is Signal.TOO_LITTLE
    assert reason in baseline.comparison.reason


def test_short_series_use_the_pooled_phi_of_the_same_level(definitions: Definitions) -> None:
    indicator = definitions.indicator("misdrijven-totaal")
    assert indicator is not None
    rng = np.random.default_rng(5)
    long = [
        _frame(f"GM{i:04d}", list(rng.negative_binomial(1000 / 5.0, 1 / 6.0, 10).astype(float)))
        for i in range(5)
    ]
    short = _frame("GM9999", [1000.0, 1100.0, 1210.0], first=2017)
    values = pd.concat([*long, short], ignore_index=True)
    report = trends.report_from_values(values, indicator, "GM9999")
    assert report.pooled is not None and "mediaan van 5 gemeenten" in report.pooled.source
    for change in report.changes:
        assert (
            change.comparison.phi == report.pooled.phi
            and change.comparison.phi_source == report.pooled.source
        )
    pool = monitor.DispersionPool(values)
    assert pool.get("misdrijven-totaal", "gemeente") == report.pooled
    assert pool.get("misdrijven-totaal", "wijk") is None
