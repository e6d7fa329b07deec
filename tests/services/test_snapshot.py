# SPDX-License-Identifier: EUPL-1.2
"""The snapshot the dashboard reads: built once, rebuilt only when the warehouse changed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.accounts import Role
from veiligstad.services import accounts, snapshot
from veiligstad.storage.warehouse import Warehouse, WarehouseBusy, WarehouseMissing, set_wait


@pytest.fixture
def own_url(loaded_url: str, tmp_path: Path) -> str:
    """A private copy of the loaded warehouse (these tests write to it)."""
    source = Path(loaded_url.removeprefix("duckdb://"))
    target = tmp_path / "copy.duckdb"
    shutil.copy(source, target)
    return f"duckdb://{target}"


def test_build_holds_raw_and_public_values_and_clockwise_boundaries(
    loaded_url: str, definitions: Definitions
) -> None:
    with Warehouse.open(loaded_url) as warehouse:
        built = snapshot.build(warehouse, definitions, threshold=5)
    assert len(built.values) == len(built.public_values)
    hidden = built.public_values[built.public_values["suppressed"]]
    assert not hidden.empty and hidden["value"].isna().all() and hidden["numerator"].isna().all()
    primary = hidden[hidden["suppression"] == "primair"]
    assert (primary["disclosure"] == "< 5").all()
    raw = built.values.loc[primary.index]
    assert ((raw["numerator"] > 0) & (raw["numerator"] < 5)).all()
    # Lanakerveld (3 in 2023) is not given away by its wijk or stadsdeel: Belvédère (16) is
    # withheld with it, as the smallest non-zero buurt in both.
    secondary = hidden[hidden["suppression"] == "secundair"]
    assert set(secondary["area_code"]) == {"BU09350303"}
    assert (secondary["disclosure"] == "afgeschermd").all()
    assert (built.values.loc[secondary.index, "numerator"] >= 5).all()
    assert built.status and built.area("GM0935") is not None
    ring = shape(built.geometries["BU09350000"])
    polygon = ring if ring.geom_type == "Polygon" else max(ring.geoms, key=lambda g: g.area)
    assert not shapely.is_ccw(polygon.exterior)  # clockwise, as d3-geo wants


def test_cache_rebuilds_only_what_changed(own_url: str, definitions: Definitions) -> None:
    cache = snapshot.SnapshotCache(own_url, lambda: definitions, check_seconds=0)
    first = cache.get()
    assert cache.get() is first  # nothing changed: the same object
    with Warehouse.open(own_url) as warehouse:
        accounts.add_user(warehouse, "nieuw", Role.RAAD, "een lang wachtwoord")
    second = cache.get()
    assert second is not first and "nieuw" in second.accounts
    assert second.values is first.values  # an account change does not recompute the figures
    assert snapshot.same_data(second.token, first.token)


def test_settled_is_called_once_for_each_new_snapshot(own_url: str, definitions: Definitions) -> None:
    """The server settles its memory (``web.app.settle_memory``) after each new snapshot, not on
    every request."""
    calls: list[int] = []
    cache = snapshot.SnapshotCache(
        own_url, lambda: definitions, check_seconds=0, settled=lambda: calls.append(1)
    )
    first = cache.get()
    assert cache.get() is first and cache.get(fresh=True) is first and len(calls) == 1
    with Warehouse.open(own_url) as warehouse:
        accounts.add_user(warehouse, "nieuw", Role.RAAD, "een lang wachtwoord")
    assert cache.get() is not first and len(calls) == 2
    cache.get()
    assert len(calls) == 2


def test_a_failed_rebuild_keeps_serving_the_previous_snapshot(
    own_url: str, definitions: Definitions, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = snapshot.SnapshotCache(own_url, lambda: definitions, check_seconds=0)
    first = cache.get()
    with Warehouse.open(own_url) as warehouse:
        accounts.add_user(warehouse, "later", Role.RAAD, "een lang wachtwoord")

    def locked(_: Warehouse) -> list[object]:
        raise RuntimeError("Could not set lock on file")

    monkeypatch.setattr(accounts, "users", locked)
    assert cache.get() is first
    assert isinstance(cache.last_error, RuntimeError)


HOLDER = (
    "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('CREATE TABLE t AS SELECT 1 AS x');"
    "print('ok', flush=True); sys.stdin.read()"
)


def test_with_figures_to_show_a_rebuild_does_not_wait_for_another_process(
    own_url: str, definitions: Definitions
) -> None:
    cache = snapshot.SnapshotCache(own_url, lambda: definitions, check_seconds=0)
    first = cache.get()
    path = own_url.removeprefix("duckdb://")
    previous = set_wait(60)
    try:
        with subprocess.Popen(
            [sys.executable, "-c", HOLDER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        ) as holder:
            assert holder.stdout is not None and holder.stdin is not None
            assert holder.stdout.readline().strip() == "ok"  # it wrote: the file changed
            started = time.monotonic()
            assert cache.get() is first
            assert time.monotonic() - started < 10  # not the 60 s of the wait bound
            assert isinstance(cache.last_error, WarehouseBusy)
            holder.stdin.close()
            holder.wait(timeout=30)
    finally:
        set_wait(*previous)
    assert cache.get() is first and cache.last_error is None  # read again once the file is free


def test_a_vanished_warehouse_is_an_error_until_it_is_back(own_url: str, definitions: Definitions) -> None:
    cache = snapshot.SnapshotCache(own_url, lambda: definitions, check_seconds=0)
    first = cache.get()
    path = Path(own_url.removeprefix("duckdb://"))
    kept = path.with_suffix(".kept")
    path.rename(kept)
    with pytest.raises(WarehouseMissing, match="verdwenen"):
        cache.get()  # no stale figures, no new empty warehouse
    with pytest.raises(WarehouseMissing):
        cache.get()
    assert cache.token() == ""  # for the page cache: the page itself answers 503
    assert not path.exists()
    kept.rename(path)
    assert cache.get().token == first.token


def test_area_look_ups_are_kept_per_snapshot_and_cannot_be_changed_by_a_caller(
    loaded_url: str, definitions: Definitions
) -> None:
    with Warehouse.open(loaded_url) as warehouse:
        built = snapshot.build(warehouse, definitions, threshold=5)
    areas = built.areas
    for code in ("GM0935", "BU09350000", "NL01", "GM0363"):  # own, own buurt, country, another gemeente
        expected = areas[areas["code"] == code]
        found = built.area(code)
        assert found is not None and found == {str(k): v for k, v in expected.iloc[0].items()}
    assert built.area("XX0000") is None and built.area("gm0935") is None
    own = built.own_areas()
    assert set(own["code"]) == set(areas.loc[areas["gemeente_code"] == "GM0935", "code"])
    assert list(own["code"]) == sorted(own["code"])
    assert built.own_codes() == frozenset(own["code"])
    wijken = built.own_areas("wijk")
    assert (wijken["level"] == "wijk").all() and not wijken.empty
    own["code"] = "overwritten"  # a page that changes its copy changes only its copy
    own["extra"] = 1
    again = built.own_areas()
    assert "extra" not in again and set(again["code"]) == set(
        areas.loc[areas["gemeente_code"] == "GM0935", "code"]
    )
    assert built.area("GM0935") is not None
    assert built.own_areas("no such level").empty
    assert (snapshot._OWN_AREAS, "no such level") not in built.memo  # the memo stays bounded
