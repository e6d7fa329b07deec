# SPDX-License-Identifier: EUPL-1.2
"""The one door the edges use to open the warehouse (``services.warehouses``)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from veiligstad.errors import WarehouseError
from veiligstad.services import warehouses

#: Holds the DuckDB file (a write connection) until stdin closes.
HOLDER = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1]); con.execute('CREATE TABLE t (x INT)'); "
    "print('ok', flush=True); sys.stdin.read()"
)


def test_opened_makes_a_new_warehouse_and_reopens_it(tmp_path: Path) -> None:
    url = f"duckdb://{tmp_path / 'new' / 'veiligstad.duckdb'}"
    with warehouses.opened(url) as warehouse:
        assert warehouse.is_empty()
        warehouse.ensure_schema()
        assert warehouses.OBSERVATIONS in warehouse.con.list_tables()
    assert warehouses.duckdb_path(url) == tmp_path / "new" / "veiligstad.duckdb"
    with warehouses.opened(url) as again:
        assert warehouses.OBSERVATIONS in again.con.list_tables()


def test_opened_waits_within_its_bound_then_says_busy_in_dutch(tmp_path: Path) -> None:
    path = tmp_path / "held.duckdb"
    told: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "ok"
        started = time.monotonic()
        with (
            pytest.raises(warehouses.WarehouseBusy) as caught,
            warehouses.opened(f"duckdb://{path}", wait_seconds=1.0, notify=told.append),
        ):
            pass
        waited = time.monotonic() - started
        holder.stdin.close()
        holder.wait(timeout=30)
    assert isinstance(caught.value, WarehouseError)  # the edges catch this one type
    assert 0.9 <= waited < 30
    assert told and all(isinstance(line, str) and line for line in told)
    assert caught.value.message  # a Dutch sentence for the edge to render once
