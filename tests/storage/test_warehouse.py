# SPDX-License-Identifier: EUPL-1.2
"""The warehouse opens any Ibis URL, creates its schema once and reports bad URLs in Dutch."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from veiligstad.errors import WarehouseError
from veiligstad.storage.warehouse import (
    BATCH_SCHEMA,
    OBSERVATION_SCHEMA,
    SCHEMA_VERSION,
    SCHEMAS,
    STAGE_PREFIX,
    Batch,
    Warehouse,
    fingerprint,
    orphaned,
    stage_owner,
)


def test_schema_is_created_once(empty_url: str) -> None:
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
        warehouse.ensure_schema()
        assert set(SCHEMAS) <= set(warehouse.con.list_tables())
        assert warehouse.is_empty()


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(WarehouseError, match="Kan het warehouse niet openen"), Warehouse.open("nosuchdb://x"):
        pass


def _batch(source: str, version: str) -> Batch:
    return Batch(
        batch_id=f"{source}@{version}",
        source_id=source,
        title="t",
        publisher="p",
        attribution="Bron: test",
        table_id=None,
        file="f.csv",
        file_hash=version,
        origin="",
        licence="",
        notes="",
        rows=1,
        loaded_at=dt.datetime.now(dt.UTC),
        kind="upload",
    )


def _rows(value: float, batch: Batch | None = None) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "measure": "inwoners",
                "area_code": "GM0935",
                "period": "2023",
                "period_type": "jaar",
                "year": 2023,
                "value": value,
                "unit": "aantal",
                "status": "definitief",
                "source_id": batch.source_id if batch else "s",
                "batch_id": batch.batch_id if batch else "s@x",
            }
        ],
        schema=OBSERVATION_SCHEMA.to_pyarrow(),
    )


def test_a_new_version_replaces_the_old_and_keeps_it_in_history(empty_url: str) -> None:
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
        warehouse.replace_source(_batch("s", "v1"), _rows(1.0))
        warehouse.replace_source(_batch("s", "v2"), _rows(2.0))
        assert list(warehouse.observations().value.execute()) == [2.0]
        assert list(warehouse.history().value.execute()) == [1.0]
        batches = warehouse.batches().order_by("batch_id").execute()
        assert batches.replaced_by.iloc[0] == "s@v2" and pd.isna(batches.replaced_by.iloc[1])
        assert warehouse.has_batch("s", "v2") and not warehouse.has_batch("s", "v1")


def test_every_write_changes_the_fingerprint_and_reading_leaves_it(empty_url: str) -> None:
    """What the snapshot cache looks at before it opens the warehouse: the DuckDB file's size and
    time, PostgreSQL's WAL position (one query; a missed change would serve stale figures)."""
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
    before = fingerprint(empty_url)
    assert before is not None
    with Warehouse.open(empty_url) as warehouse:
        warehouse.replace_source(_batch("s", "v1"), _rows(1.0))
        loaded = fingerprint(empty_url)
    assert loaded is not None and loaded != before
    # reading writes nothing; on PostgreSQL other writes on the server (autovacuum) may move
    # the position now and then, which only costs a check: two equal readings in a row suffice
    readings = []
    for _ in range(20):
        with Warehouse.open(empty_url) as warehouse:
            warehouse.observations().count().execute()
        readings.append(fingerprint(empty_url))
        if len(readings) > 1 and readings[-1] == readings[-2]:
            break
    assert len(readings) > 1 and readings[-1] == readings[-2], readings
    with Warehouse.open(empty_url) as warehouse:
        warehouse.replace_source(_batch("s", "v2"), _rows(2.0))
    assert fingerprint(empty_url) != readings[-1]


def test_a_failed_load_writes_nothing(empty_url: str) -> None:
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
        warehouse.replace_source(_batch("s", "v1"), _rows(1.0))
        bad = _batch("s", "v2").__class__(**{**_batch("s", "v2").__dict__, "source_id": "BAD ID"})
        with pytest.raises(WarehouseError):
            warehouse.replace_source(bad, _rows(2.0))
        assert list(warehouse.observations().value.execute()) == [1.0]
        assert warehouse.batches().count().execute() == 1


KILLED_LOAD = """
import os, sys
import pyarrow as pa
from veiligstad.storage.warehouse import Warehouse
with Warehouse.open(sys.argv[1]) as warehouse:
    warehouse.stage(pa.table({"x": [1]}))
    os._exit(9)  # killed before its transaction: only the scratch table is left
"""


def test_scratch_tables_of_a_killed_load_are_removed(duckdb_url: str) -> None:
    """DuckDB: scratch tables are real tables of the file (PostgreSQL's are temporary: the
    server drops them with the connection, see test_postgres_writers)."""
    empty_url = duckdb_url
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
        warehouse.con.create_table("_stage_" + "ab" * 16, schema=ibis.schema({"x": "int64"}))  # old format
    run = subprocess.run([sys.executable, "-c", KILLED_LOAD, empty_url], capture_output=True, timeout=120)
    assert run.returncode == 9, run.stderr
    with Warehouse.open(empty_url) as warehouse:
        tables = warehouse.con.list_tables()
        own = warehouse.stage(_rows(1.0))  # a writer of this process, still running
        assert not any(t.startswith(STAGE_PREFIX) for t in tables)
    with Warehouse.open(empty_url) as warehouse:
        assert own in warehouse.con.list_tables()  # only its writer drops it
        warehouse.drop(own)


def test_only_orphaned_scratch_tables_count_as_orphaned() -> None:
    mine = f"{STAGE_PREFIX}{stage_owner()}_{'0' * 16}"
    host = stage_owner().split("_")[0]
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive_start = Path(f"/proc/{sleeper.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
        alive = f"{STAGE_PREFIX}{host}_{sleeper.pid}_{alive_start}_{'1' * 16}"
        reused = f"{STAGE_PREFIX}{host}_{sleeper.pid}_{int(alive_start) + 1}_{'1' * 16}"
        other_host = f"{STAGE_PREFIX}00000000_{sleeper.pid}_{alive_start}_{'1' * 16}"
        assert not orphaned(mine, exclusive=True) and not orphaned(mine, exclusive=False)
        assert not orphaned(alive, exclusive=False)  # a live writer on a shared backend
        assert orphaned(alive, exclusive=True)  # DuckDB: the file lock shows that it is not writing
        assert orphaned(reused, exclusive=False)  # same pid, later start: the writer is gone
        assert not orphaned(other_host, exclusive=False)  # cannot tell: leave it
        assert orphaned(STAGE_PREFIX + "ab" * 16, exclusive=True)
        assert not orphaned(STAGE_PREFIX + "ab" * 16, exclusive=False)
        assert not orphaned("observations", exclusive=True)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert orphaned(alive, exclusive=False)  # its process has ended


def test_older_warehouses_get_the_new_columns(empty_url: str) -> None:
    if empty_url.startswith("duckdb://"):
        Path(empty_url.removeprefix("duckdb://")).parent.mkdir(parents=True)
    old = ibis.connect(empty_url)
    old.raw_sql("CREATE TABLE batches (batch_id VARCHAR, source_id VARCHAR)")
    old.disconnect()
    with Warehouse.open(empty_url) as warehouse:  # the upgrade on open
        assert set(BATCH_SCHEMA.names) <= set(warehouse.batches().columns)
        assert warehouse.schema_version() == SCHEMA_VERSION


def test_overlapping_sources_count_once_and_the_latest_load_wins(empty_url: str) -> None:
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
        first = _batch("embedded-extract", "v1")
        warehouse.replace_source(first, _rows(1.0, first))
        later = _batch("cbs-import", "v1")
        later = Batch(**{**later.__dict__, "loaded_at": later.loaded_at + dt.timedelta(seconds=1)})
        warehouse.replace_source(later, _rows(2.0, later))
        assert warehouse.observations().count().execute() == 2  # both kept
        assert list(warehouse.current_observations().value.execute()) == [2.0]  # one counts


def test_an_empty_cell_loaded_later_does_not_hide_a_known_figure(empty_url: str) -> None:
    """A corrected fill-in template with an empty cell, loaded after a CBS import, leaves the
    CBS figure standing (empty = not known here); a later known figure still wins."""
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
        cbs = _batch("cbs-import", "v1")
        warehouse.replace_source(cbs, _rows(2.0, cbs))
        template = _batch("upload-template", "v2")
        template = Batch(**{**template.__dict__, "loaded_at": cbs.loaded_at + dt.timedelta(seconds=1)})
        warehouse.replace_source(
            template, _rows(float("nan"), template).set_column(5, "value", pa.array([None], pa.float64()))
        )
        assert list(warehouse.current_observations().value.execute()) == [2.0]
        corrected = Batch(
            **{
                **template.__dict__,
                "batch_id": "upload-template@v3",
                "file_hash": "v3",
                "loaded_at": cbs.loaded_at + dt.timedelta(seconds=2),
            }
        )
        warehouse.replace_source(corrected, _rows(3.0, corrected))
        assert list(warehouse.current_observations().value.execute()) == [3.0]


def _settings(warehouse: Warehouse) -> tuple[object, ...] | None:
    if warehouse.postgres:
        return None
    found = warehouse.con.raw_sql(
        "SELECT current_setting('threads'), current_setting('preserve_insertion_order')"
    ).fetchone()
    return tuple(found) if found else None


def test_dictionary_encoded_rows_load_as_they_are_and_leave_nothing_behind(empty_url: str) -> None:
    """``veiligstad update`` hands over dictionary-encoded Arrow (int32 and int8 indices, several
    chunks): DuckDB reads it directly, PostgreSQL by COPY. Text, empty strings, withheld cells
    and years arrive unchanged; no scratch table or registered view stays, and DuckDB's thread
    and insertion-order settings are what they were."""
    batch = _batch("dict", "v1")
    text = pa.dictionary(pa.int32(), pa.string())
    chunks = []
    for values in ([1.0, None], [2.5]):
        n = len(values)
        chunks.append(
            pa.table(
                {
                    "measure": pa.array(["misdrijven:1.1.1", "misdrijven:0.0.0"][:n], text),
                    "area_code": pa.array(["BU09350000", "GM0935"][:n], text),
                    "period": pa.array(["2023"] * n, text),
                    "period_type": pa.array(["jaar"] * n, text),
                    "year": pa.array([2023] * n, pa.int32()),
                    "value": pa.array(values, pa.float64()),
                    "unit": pa.array([""] * n, text),
                    "status": pa.array(["voorlopig"] * n, text),
                    "source_id": pa.DictionaryArray.from_arrays(
                        pa.array([0] * n, pa.int8()), pa.array([batch.source_id])
                    ),
                    "batch_id": pa.DictionaryArray.from_arrays(
                        pa.array([0] * n, pa.int8()), pa.array([batch.batch_id])
                    ),
                }
            )
        )
    rows = pa.concat_tables([chunks[0], chunks[1].rename_columns(chunks[0].column_names)])
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
        before = _settings(warehouse)
        assert warehouse.replace_source(batch, rows)
        stored = warehouse.observations().order_by("value").to_pyarrow().to_pylist()
        assert [(r["measure"], r["area_code"], r["value"], r["unit"], r["year"]) for r in stored] == [
            ("misdrijven:1.1.1", "BU09350000", 1.0, "", 2023),
            ("misdrijven:1.1.1", "BU09350000", 2.5, "", 2023),
            ("misdrijven:0.0.0", "GM0935", None, "", 2023),
        ]
        assert {(r["status"], r["source_id"], r["batch_id"]) for r in stored} == {
            ("voorlopig", "dict", "dict@v1")
        }
        assert not [t for t in warehouse.con.list_tables() if t.startswith(("_stage_", "_arrow_"))]
        assert _settings(warehouse) == before
        # A load that fails inside its transaction (a year that is no number) writes nothing
        # and still restores the settings.
        bad = rows.set_column(4, "year", pa.array(["2023", "x", "2023"]))
        with pytest.raises(Exception, match=r"(?i)conver|cast|invalid"):
            warehouse.replace_source(_batch("dict", "v2"), bad)
        assert warehouse.observations().count().execute() == 3
        assert warehouse.batches().count().execute() == 1
        assert _settings(warehouse) == before


def test_arrow_gives_what_ibis_gives_with_awkward_text_and_nulls(empty_url: str) -> None:
    """``Warehouse.arrow`` (PostgreSQL: COPY … TO STDOUT as CSV, parsed by Arrow) returns the
    rows Ibis returns: NULL apart from an empty text, commas, quotes and line breaks in text,
    yes/no, whole numbers with gaps and doubles to the last bit; no rows is an empty table
    with the columns."""
    awkward = pa.table(
        {
            "text": pa.array(["", None, 'a,"b"', "line\nbreak", "Ĳsselmonde é"]),
            "count": pa.array([1, None, -(2**40), 0, 7], pa.int64()),
            "rate": pa.array([0.1 + 0.2, None, 1 / 3, -1.5e-300, 12345.678901234567]),
            "flag": pa.array([True, False, None, True, False]),
        }
    )
    with Warehouse.open(empty_url) as warehouse:
        name = warehouse.stage(awkward)
        table = warehouse.con.table(name).order_by("count")
        assert warehouse.arrow(table).to_pylist() == table.to_pyarrow().to_pylist()
        assert warehouse.arrow(table).schema == table.to_pyarrow().schema
        # the doubles survive exactly, the empty text stays empty and the missing one missing
        got = {row["count"]: row for row in warehouse.arrow(table).to_pylist()}
        assert got[1]["rate"] == 0.1 + 0.2 and got[1]["text"] == ""
        assert got[None]["text"] is None and got[None]["flag"] is False
        none = warehouse.arrow(table.filter(table["count"] > 10**15))
        assert none.num_rows == 0 and none.column_names == ["text", "count", "rate", "flag"]
        # one column: a NULL is an empty line, and it is a row; NaN and infinities stay numbers
        numbers = pa.table({"x": [None, float("inf"), float("nan"), 2.0]})
        single = warehouse.con.table(warehouse.stage(numbers))
        got_single = warehouse.arrow(single.order_by("x")).column("x").to_pylist()
        assert len(got_single) == 4 and got_single.count(None) == 1, got_single
        assert float("inf") in got_single and any(v != v for v in got_single if v is not None)
