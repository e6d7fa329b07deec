# SPDX-License-Identifier: EUPL-1.2
"""Loading uploads: atomic (all or nothing), idempotent, corrected files replace with history.

Includes a load fuzz test (generated files, then a check that nothing was partly written)
and a test that kills an import process with SIGKILL inside its load.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veiligstad.services import uploads
from veiligstad.storage.warehouse import AREA_SCHEMA, Batch, Warehouse

EXAMPLES = Path(__file__).parents[2] / "examples"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "uploads"
BUURTEN = [f"BU0935{n:04d}" for n in range(100)]


def _areas() -> pa.Table:
    rows = [
        {"code": "GM0935", "name": "Maastricht", "level": "gemeente", "gemeente_code": "GM0935"},
        {"code": "GM0917", "name": "Heerlen", "level": "gemeente", "gemeente_code": "GM0917"},
        {"code": "GM1883", "name": "Sittard-Geleen", "level": "gemeente", "gemeente_code": "GM1883"},
        {"code": "WK093500", "name": "Wijk 00", "level": "wijk", "gemeente_code": "GM0935"},
    ]
    rows += [{"code": b, "name": b, "level": "buurt", "gemeente_code": "GM0935"} for b in BUURTEN]
    for row in rows:
        row.update(wijk_code=None, stadsdeel_code=None, boundary_year=2024, geometry=None)
    return pa.Table.from_pylist(rows, schema=AREA_SCHEMA.to_pyarrow())


def make_warehouse(url: str) -> None:
    """A small warehouse: a few areas and one existing source (``politie``)."""
    with Warehouse.open(url) as warehouse:
        warehouse.ensure_schema()
        now = dt.datetime.now(dt.UTC)
        batch = Batch("areas@1", "areas", "t", "p", "a", None, "areas.csv", "1", "", "", "", 104, now)
        warehouse.replace_areas(_areas(), batch)
        data = b"area_code,period,measure,value\nGM0935,2024,misdrijven:0.0.0,9000\n"
        report = uploads.import_bytes(warehouse, data, "politie.csv")
        assert report.outcome == "geladen"


def snapshot(url: str) -> tuple[int, int, int, list[tuple[str, str | None]]]:
    """Counts of observations, history and batches, and each batch's state."""
    with Warehouse.open(url) as warehouse:
        batches = warehouse.batches().execute().sort_values("batch_id")
        return (
            int(warehouse.observations().count().execute()),
            int(warehouse.history().count().execute()),
            len(batches),
            list(
                zip(
                    batches["batch_id"],
                    batches["replaced_by"].where(batches["replaced_by"].notna()),
                    strict=True,
                )
            ),
        )


@pytest.fixture
def url(tmp_path: Path) -> str:
    path = f"duckdb://{tmp_path / 'w.duckdb'}"
    make_warehouse(path)
    return path


@pytest.fixture
def warehouse(url: str) -> Iterator[Warehouse]:
    with Warehouse.open(url) as opened:
        yield opened


def load(warehouse: Warehouse, data: bytes, name: str = "cijfers.csv", **kw: object) -> uploads.UploadReport:
    return uploads.import_bytes(warehouse, data, name, loaded_by="tester", **kw)  # type: ignore[arg-type]


def test_dutch_semicolon_file_loads_with_provenance(warehouse: Warehouse) -> None:
    data = (FIXTURES / "dutch-semicolon.csv").read_bytes()
    report = load(warehouse, data, "Dutch semicolon.csv")
    assert (report.outcome, report.rows_loaded, report.rows_rejected) == ("geladen", 4, 0)
    obs = warehouse.observations().filter(lambda t: t.source_id == "upload-dutch-semicolon").execute()
    assert sorted(obs["value"]) == [31.4, 300.0, 412.0, 1987.0]
    assert set(obs["period_type"]) == {"jaar", "kwartaal"}
    batch = warehouse.batches().filter(lambda t: t.source_id == "upload-dutch-semicolon").execute().iloc[0]
    assert (batch["kind"], batch["loaded_by"], batch["rows"], batch["rows_rejected"]) == (
        "upload",
        "tester",
        4,
        0,
    )
    assert len(batch["file_hash"]) == 64


def test_xlsx_loads(warehouse: Warehouse) -> None:
    book = openpyxl.Workbook()
    book.active.append(["area_code", "period", "measure", "value"])
    book.active.append(["GM0935", "2024", "misdrijven:1.1.1", 412])
    buffer = io.BytesIO()
    book.save(buffer)
    report = load(warehouse, buffer.getvalue(), "werkblad.xlsx")
    assert (report.outcome, report.rows_loaded) == ("geladen", 1)


def test_examples_load(warehouse: Warehouse) -> None:
    long = load(warehouse, (EXAMPLES / "uploads-long.csv").read_bytes(), "uploads-long.csv")
    assert long.outcome == "geladen" and long.rows_loaded == 8, long.problems
    wsjg = load(warehouse, (EXAMPLES / "uploads-wsjg.csv").read_bytes(), "uploads-wsjg.csv")
    assert (wsjg.outcome, wsjg.shape, wsjg.rows_total, wsjg.rows_loaded) == ("geladen", "wsjg", 3, 12)


def test_one_bad_row_writes_nothing(url: str) -> None:
    before = snapshot(url)
    data = (FIXTURES / "every-problem.csv").read_bytes()
    with Warehouse.open(url) as warehouse:
        report = load(warehouse, data)
    assert report.outcome == "geweigerd" and report.rows_loaded == 0 and len(report.problems) == 12
    assert snapshot(url) == before


def test_valid_only_loads_the_good_rows_and_counts_the_rest(warehouse: Warehouse) -> None:
    report = load(warehouse, (FIXTURES / "every-problem.csv").read_bytes(), valid_only=True)
    assert (report.outcome, report.rows_loaded, report.rows_rejected) == ("geladen", 1, 12)
    batch = warehouse.batches().filter(lambda t: t.source_id == "upload-cijfers").execute().iloc[0]
    assert (batch["rows"], batch["rows_rejected"]) == (1, 12)


def test_a_figure_another_source_holds_is_overridden_with_a_warning(url: str) -> None:
    with Warehouse.open(url) as warehouse:
        report = load(warehouse, b"area_code,period,measure,value\nGM0935,2024,misdrijven:0.0.0,1\n")
        assert [(p.code, p.row, p.severity) for p in report.problems] == [("conflict", 2, "waarschuwing")]
        assert report.outcome == "geladen"
        obs = warehouse.current_observations()
        key = (obs.measure == "misdrijven:0.0.0") & (obs.area_code == "GM0935") & (obs.period == "2024")
        assert list(obs.filter(key).value.execute()) == [1.0]  # the newest load counts, once
        everything = warehouse.observations()
        assert (
            everything.filter(
                (everything.measure == "misdrijven:0.0.0")
                & (everything.area_code == "GM0935")
                & (everything.period == "2024")
            )
            .count()
            .execute()
            == 2
        )  # the embedded 47013NED figure is kept


def test_same_file_twice_changes_nothing(url: str) -> None:
    data = (FIXTURES / "dutch-semicolon.csv").read_bytes()
    with Warehouse.open(url) as warehouse:
        assert load(warehouse, data).outcome == "geladen"
    after_first = snapshot(url)
    with Warehouse.open(url) as warehouse:
        assert load(warehouse, data).outcome == "ongewijzigd"
    assert snapshot(url) == after_first


def test_corrected_file_replaces_and_keeps_history(url: str) -> None:
    first = (
        b"area_code;period;measure;value\n"
        b"GM0935;2024;misdrijven:1.1.1;412\nGM0935;2023;misdrijven:1.1.1;400\n"
    )
    second = b"area_code;period;measure;value\nGM0935;2024;misdrijven:1.1.1;421\n"
    with Warehouse.open(url) as warehouse:
        one = load(warehouse, first)
        two = load(warehouse, second)
        assert (one.outcome, two.outcome) == ("geladen", "geladen")
        current = warehouse.observations().filter(lambda t: t.source_id == "upload-cijfers").execute()
        history = warehouse.history().filter(lambda t: t.source_id == "upload-cijfers").execute()
        batches = warehouse.batches().filter(lambda t: t.source_id == "upload-cijfers").execute()
    assert list(current["value"]) == [421.0]
    assert sorted(history["value"]) == [400.0, 412.0]
    replaced = dict(zip(batches["batch_id"], batches["replaced_by"], strict=True))
    assert replaced[one.batch_id] == two.batch_id and pd.isna(replaced[two.batch_id])


ROWS = st.lists(
    st.tuples(
        st.sampled_from(["GM0935", "WK093500", "GM9999", "BU09350001"]),
        st.sampled_from(["2020", "2021Q2", "2022-13", "2019JJ00"]),
        st.sampled_from(["misdrijven:1.1.1", "inwoners", "vm:weleens-onveilig-buurt", "onzin"]),
        st.sampled_from(["1", "2,5", "-1", "101", "", "x1", "1.234"]),
    ),
    min_size=0,
    max_size=6,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, valid_only=st.booleans(), damage=st.binary(max_size=4))
def test_fuzz_load_is_all_or_nothing(
    url: str, rows: list[tuple[str, ...]], valid_only: bool, damage: bytes
) -> None:
    text = "area_code;period;measure;value\n" + "".join(";".join(r) + "\n" for r in rows)
    data = text.encode() + damage
    before = snapshot(url)
    with Warehouse.open(url) as warehouse:
        report = load(warehouse, data, "fuzz.csv", valid_only=valid_only)
        loaded = int(
            warehouse.observations().filter(lambda t: t.source_id == "upload-fuzz").count().execute()
        )
    if report.outcome == "geweigerd":
        assert snapshot(url) == before
    elif report.outcome == "geladen":
        assert loaded == report.rows_loaded
        assert valid_only or not [p for p in report.problems if p.severity == "fout"]


# --------------------------------------------------------------------------- SIGKILL

KILLER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from veiligstad.services import uploads
    from veiligstad.storage.warehouse import Warehouse

    url, file, marker, point = sys.argv[1:]

    def pause(name):
        original = getattr(Warehouse, name)
        def wrapped(self, *args):
            result = original(self, *args)
            if name != "loadable" or args[0].num_rows > 1000:
                Path(marker).write_text(name)
                time.sleep(120)
            return result
        setattr(Warehouse, name, wrapped)

    pause(point)
    data = Path(file).read_bytes()
    with Warehouse.open(url) as warehouse:
        uploads.import_bytes(warehouse, data, Path(file).name)
    """
)


def _big_file(path: Path, version: int) -> None:
    measures = [f"misdrijven:1.{m // 10}.{m % 10}" for m in range(10, 20)]
    months = [f"{y}-{m:02d}" for y in range(2000, 2025) for m in range(1, 13)]
    lines = ["area_code;period;measure;value"]
    lines += [
        f"{b};{p};{m};{(i + version) % 97}" for b in BUURTEN for m in measures for i, p in enumerate(months)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("point", ["loadable", "_record"])  # rows handed to the backend; in the transaction
def test_sigkill_inside_the_load_leaves_the_warehouse_unchanged(url: str, tmp_path: Path, point: str) -> None:
    big = tmp_path / "groot.csv"
    _big_file(big, 1)
    with Warehouse.open(url) as warehouse:  # an earlier version of the same source
        assert load(
            warehouse, b"area_code,period,measure,value\nGM0935,2024,misdrijven:1.1.1,5\n", "groot.csv"
        )
    _big_file(big, 2)
    before = snapshot(url)
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    proc = subprocess.Popen([sys.executable, "-c", KILLER, url, str(big), str(marker), point], env=env)
    deadline = time.monotonic() + 300  # generous: a loaded 2-core machine is slow to get there
    while not marker.exists():
        assert proc.poll() is None, "the import ended before it reached the load"
        assert time.monotonic() < deadline, "the import did not reach the load in time"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(url) == before  # nothing of the killed load is visible
    with Warehouse.open(url) as warehouse:
        assert not [t for t in warehouse.con.list_tables() if t.startswith("_stage_")]
        report = uploads.import_bytes(warehouse, big.read_bytes(), "groot.csv")
        assert (report.outcome, report.rows_loaded) == ("geladen", 300_000)
        assert int(warehouse.history().filter(lambda t: t.source_id == "upload-groot").count().execute()) == 1


def test_the_settings_limits_bound_what_is_read(warehouse: Warehouse) -> None:
    """The web upload passes the settings' limits like the CLI: VEILIGSTAD_UPLOAD_MAX_ROWS=3
    refuses a 4-row file."""
    from veiligstad.settings import Settings
    from veiligstad.web.pages.internal.uploads import upload_limits

    data = (FIXTURES / "dutch-semicolon.csv").read_bytes()  # 4 data rows
    small = upload_limits(Settings(upload_max_rows=3))
    assert small.max_rows == 3 and small.max_columns == Settings().upload_max_columns
    refused = load(warehouse, data, "Dutch semicolon.csv", limits=small)
    assert refused.outcome == "geweigerd" and refused.rows_loaded == 0
    assert any("meer dan 3 rijen" in p.message for p in refused.problems)
    fits = load(warehouse, data, "Dutch semicolon.csv", limits=upload_limits(Settings(upload_max_rows=4)))
    assert fits.outcome == "geladen" and fits.rows_loaded == 4
