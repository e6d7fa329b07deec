# SPDX-License-Identifier: EUPL-1.2
"""Trend reports on the embedded real data, and CompStat on constructed monthly figures
added to a copy of the loaded warehouse."""

from __future__ import annotations

import datetime as dt
import shutil

import pyarrow as pa
import pytest
from scipy.stats import theilslopes

from veiligstad.definitions.validation import Definitions
from veiligstad.engine.significance import Signal
from veiligstad.errors import NotFound
from veiligstad.services import trends
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
    assert pairs[("2020", "2022")] is Signal.ROSE  # 2021 missing: compared with the last known year
    assert pairs[("2022", "2023")] is Signal.NO_CHANGE
    assert report.compstat is None  # no monthly figures in the embedded data
    assert report.parent_code == "NL01" and report.versus is not None
    # Against the MJP baseline (2021 has no figure: the nearest earlier year, as in `status`).
    assert report.baseline is not None and report.baseline_note.startswith("basisjaar 2021 ontbreekt")
    assert (report.baseline.before.label, report.baseline.after.label) == ("2020", "2024")
    assert report.baseline.comparison.signal is Signal.ROSE
    assert report.versus.area.label == "2024" and report.versus.comparison.signal is Signal.ROSE


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
    assert rolling.comparison.signal is Signal.ROSE
    # Stored years win over sums of months: the yearly series is unchanged.
    assert report.trend.n == 14
