# SPDX-License-Identifier: EUPL-1.2
"""``init`` loads the embedded data once, keeps provenance and is idempotent."""

from __future__ import annotations

from veiligstad.services import bootstrap
from veiligstad.sources import embedded
from veiligstad.storage.warehouse import Warehouse


def test_init_is_idempotent(empty_url: str) -> None:
    with Warehouse.open(empty_url) as warehouse:
        first = bootstrap.initialise(warehouse)
        count = warehouse.observations().count().execute()
        second = bootstrap.initialise(warehouse)
        assert warehouse.observations().count().execute() == count
        assert warehouse.batches().count().execute() == len(first.loaded)
    assert second.loaded == {}
    assert sorted(second.unchanged) == sorted(first.loaded)
    assert first.loaded["maastricht-iva-politiecodes"] == 77  # 11 codes x 7 periods


def test_every_observation_has_provenance(warehouse: Warehouse) -> None:
    obs = warehouse.observations()
    batches = warehouse.batches()
    orphans = obs.anti_join(batches, "batch_id").count().execute()
    assert orphans == 0
    sources = set(batches.source_id.execute())
    assert {entry.id for entry in embedded.manifest()} <= sources
    row = batches.filter(batches.source_id == "politie-47013ned-gemeenten-2022-2024").execute()
    assert row.table_id.iloc[0] == "47013NED" and row.attribution.iloc[0].startswith("Bron:")


def test_areas_of_maastricht(warehouse: Warehouse) -> None:
    areas = warehouse.areas()
    mine = areas.filter(areas.gemeente_code == "GM0935").level.value_counts().execute()
    counts = dict(zip(mine.iloc[:, 0], mine.iloc[:, 1], strict=True))
    assert counts == {"gemeente": 1, "stadsdeel": 7, "wijk": 7, "buurt": 44}


def test_a_changed_source_replaces_its_rows(empty_url: str) -> None:
    with Warehouse.open(empty_url) as warehouse:
        bootstrap.initialise(warehouse)
        before = warehouse.observations().count().execute()
        # pretend an older version was loaded: the batch hash no longer matches the file
        warehouse.con.raw_sql(
            "UPDATE batches SET file_hash = 'old' WHERE source_id = 'maastricht-veiligheidsmonitor-2014-2019'"
        )
        report = bootstrap.initialise(warehouse)
        assert list(report.loaded) == ["maastricht-veiligheidsmonitor-2014-2019"]
        assert warehouse.observations().count().execute() == before
