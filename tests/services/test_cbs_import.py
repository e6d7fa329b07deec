# SPDX-License-Identifier: EUPL-1.2
"""Importing a CBS/Politie table into the warehouse: atomic, idempotent, with history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.sources.test_cbs_odata import FIXTURES, recorded_transport
from veiligstad.services import cbs_import
from veiligstad.sources.cbs_odata import ODataClient, SourceUnavailable, load_definition
from veiligstad.storage.warehouse import Warehouse


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(f"duckdb://{tmp_path / 'w.duckdb'}") as warehouse:
        warehouse.ensure_schema()
        yield warehouse


def _import(warehouse: Warehouse, overrides: dict[str, object] | None = None) -> cbs_import.ImportReport:
    definition = load_definition("47018NED")
    with ODataClient(definition.base_url, transport=recorded_transport(overrides=overrides)) as client:
        return cbs_import.import_table(warehouse, definition, "GM0935", 2022, client, loaded_by="tester")


def _counts(warehouse: Warehouse) -> tuple[int, int, int]:
    return (
        int(warehouse.observations().count().execute()),
        int(warehouse.history().count().execute()),
        int(warehouse.batches().count().execute()),
    )


def test_import_loads_one_batch_with_provenance(fresh: Warehouse) -> None:
    report = _import(fresh)
    assert report.loaded and report.rows == 24 and report.source_id == "cbs-47018ned-gm0935"
    assert report.rows_per_measure["misdrijven:0.0.0"] == 8
    assert report.periods == ["2022", "2023"] and report.withheld == 1
    batch = fresh.batches().execute().iloc[0]
    assert batch["kind"] == "cbs" and batch["table_id"] == "47018NED" and batch["loaded_by"] == "tester"
    assert batch["retrieved_at"] is not None and "buurtindeling van 2024" in batch["notes"]
    obs = fresh.observations().execute()
    assert set(obs["source_id"]) == {"cbs-47018ned-gm0935"}
    assert obs["value"].isna().sum() == 1  # withheld, not 0


def test_reimport_of_the_same_figures_is_a_no_op(fresh: Warehouse) -> None:
    _import(fresh)
    before = _counts(fresh)
    again = _import(fresh)
    assert not again.loaded
    assert _counts(fresh) == before


def test_changed_response_replaces_the_source_and_keeps_history(fresh: Warehouse) -> None:
    _import(fresh)
    page = json.loads((FIXTURES / "47018NED" / "TypedDataSet_2022.json").read_text(encoding="utf-8"))
    page["value"][0]["GeregistreerdeMisdrijven_1"] += 5  # CBS corrected a figure
    report = _import(fresh, overrides={"47018NED/TypedDataSet_2022": page})
    assert report.loaded
    observations, history, batches = _counts(fresh)
    assert (observations, history, batches) == (24, 24, 2)
    replaced = fresh.batches().execute().sort_values("loaded_at")
    assert replaced["replaced_by"].iloc[0] == report.batch_id


def test_no_connection_changes_nothing(fresh: Warehouse) -> None:
    _import(fresh)
    before = _counts(fresh)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    definition = load_definition("47018NED")
    with (
        ODataClient(definition.base_url, transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(SourceUnavailable, match="Er is niets gewijzigd"),
    ):
        cbs_import.import_table(fresh, definition, "GM0935", 2022, client)
    assert _counts(fresh) == before


def test_invalid_municipality_code() -> None:
    with pytest.raises(cbs_import.DataError, match="Ongeldige gemeentecode"):
        cbs_import.check_municipality("Maastricht")
