# SPDX-License-Identifier: EUPL-1.2
"""The snapshot the dashboard reads: built once, rebuilt only when the warehouse changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.accounts import Role
from veiligstad.services import accounts, snapshot
from veiligstad.storage.warehouse import Warehouse


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
