# SPDX-License-Identifier: EUPL-1.2
"""Schema versions: a warehouse of an earlier veiligstad is upgraded when it is opened, a newer
one is refused, and PostgreSQL faults are Dutch errors without the password."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from veiligstad.errors import WarehouseError
from veiligstad.storage import actions, documents
from veiligstad.storage.schema import SCHEMA_VERSION, TABLES, VERSION_TABLE
from veiligstad.storage.warehouse import Warehouse

#: Made by main before schema versions (commit 04e5f16): two observations, an account, an action
#: with its audit entry and a document; no ``schema_version`` table.
OLD_MAIN = Path(__file__).parents[1] / "fixtures" / "warehouse" / "main-2026-12-02.duckdb.gz"


def test_a_warehouse_file_of_the_previous_main_is_upgraded_on_open(tmp_path: Path) -> None:
    path = tmp_path / "veiligstad.duckdb"
    with gzip.open(OLD_MAIN) as packed, path.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    url = f"duckdb://{path}"
    with Warehouse.open(url) as warehouse:
        assert warehouse.schema_version() == SCHEMA_VERSION
        assert set(TABLES) <= set(warehouse.con.list_tables())
        assert warehouse.observations().count().execute() == 2
        assert list(warehouse.users().username.execute()) == ["beheer"]
        assert [a.title for a in actions.load_actions(warehouse)] == ["Oude actie"]
        assert len(actions.load_audit(warehouse)) == 1
        assert [d.title for d in documents.load_documents(warehouse)] == ["Oud rapport"]
        recorded = warehouse.table(VERSION_TABLE).count().execute()
    with Warehouse.open(url) as warehouse:  # a second open changes nothing
        assert warehouse.table(VERSION_TABLE).count().execute() == recorded == 1


def test_a_warehouse_of_a_newer_version_is_refused(empty_url: str) -> None:
    with Warehouse.open(empty_url) as warehouse:
        warehouse.con.raw_sql(f"UPDATE {VERSION_TABLE} SET version = {SCHEMA_VERSION + 1}")
    with pytest.raises(WarehouseError, match="heeft schemaversie"), Warehouse.open(empty_url):
        pass


def test_an_unreachable_postgresql_server_is_a_dutch_error_without_the_password() -> None:
    url = "postgresql://veilig:geheim@127.0.0.1:1/veiligstad"
    with pytest.raises(WarehouseError) as caught, Warehouse.open(url):
        pass
    assert "Kan de PostgreSQL-database niet openen" in caught.value.message
    assert "geheim" not in caught.value.message and "***" in caught.value.message
