# SPDX-License-Identifier: EUPL-1.2
"""The snapshot on disk: computed once per warehouse state, read by every other process."""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.accounts import Role
from veiligstad.services import accounts, freshness, snapshot
from veiligstad.services.snapshot_store import SnapshotStore, data_part, data_state
from veiligstad.storage.warehouse import Batch, Warehouse


@pytest.fixture
def full_url(loaded_url: str, tmp_path: Path) -> str:
    """A private copy of the loaded warehouse."""
    target = tmp_path / "copy.duckdb"
    shutil.copy(Path(loaded_url.removeprefix("duckdb://")), target)
    return f"duckdb://{target}"


@pytest.fixture
def own_url(loaded_url: str, tmp_path: Path) -> str:
    """A warehouse with only the area register: its figures are computed in seconds, so the
    tests that compute several states stay quick (these tests write to it)."""
    with Warehouse.open(loaded_url) as loaded:
        rows = loaded.areas().to_pyarrow()
    url = f"duckdb://{tmp_path / 'copy.duckdb'}"
    with Warehouse.open(url) as warehouse:
        warehouse.ensure_schema()
    new_data(url, rows)
    return url


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every computation of the figures (``snapshot.build``), by token."""
    calls: list[str] = []
    real = snapshot.build

    def build(warehouse: Warehouse, definitions: Definitions, threshold: int) -> snapshot.Snapshot:
        built = real(warehouse, definitions, threshold)
        calls.append(built.token)
        return built

    monkeypatch.setattr(snapshot, "build", build)
    return calls


def _cache(
    url: str, definitions: Definitions, store: SnapshotStore, **options: bool
) -> snapshot.SnapshotCache:
    return snapshot.SnapshotCache(url, lambda: definitions, check_seconds=0, store=store, **options)


def new_data(url: str, rows: pa.Table | None = None) -> None:
    """A data change (a new load of the area register), as an import makes one."""
    with Warehouse.open(url) as warehouse:
        rows = warehouse.areas().to_pyarrow() if rows is None else rows
        now = dt.datetime.now(dt.UTC)
        count = rows.num_rows
        mark = secrets.token_hex(4)
        batch = Batch(
            *(f"areas@{mark}", "areas", "t", "p", "a", None, "areas.csv", mark), *("", "", "", count, now)
        )
        warehouse.replace_areas(rows, batch)


def test_a_second_process_reads_the_stored_snapshot_instead_of_computing(
    full_url: str, definitions: Definitions, tmp_path: Path, counted: list[str]
) -> None:
    store = SnapshotStore(tmp_path / "store")
    first = _cache(full_url, definitions, store).get()
    assert len(counted) == 1 and len(store.keys()) == 1
    assert not first.values.empty and first.status
    second = _cache(full_url, definitions, SnapshotStore(tmp_path / "store")).get()  # "another worker"
    assert len(counted) == 1  # read, not computed
    pd.testing.assert_frame_equal(second.values, first.values)
    pd.testing.assert_frame_equal(second.public_values, first.public_values)
    pd.testing.assert_frame_equal(second.areas, first.areas)
    assert second.status == first.status and second.alerts == first.alerts and second.sources == first.sources
    assert second.geometries == first.geometries and second.token == first.token
    assert set(second.accounts) == set(first.accounts)  # accounts come from the warehouse, not the file
    assert (tmp_path / "store").stat().st_mode & 0o777 == 0o700


def test_accounts_do_not_change_the_key_data_does(
    own_url: str, definitions: Definitions, tmp_path: Path, counted: list[str]
) -> None:
    store = SnapshotStore(tmp_path / "store")
    first = _cache(own_url, definitions, store).get()
    with Warehouse.open(own_url) as warehouse:
        accounts.add_user(warehouse, "nieuw", Role.RAAD, "een lang wachtwoord")
    again = _cache(own_url, definitions, store).get()
    assert len(counted) == 1 and "nieuw" in again.accounts  # same data: read from the store
    assert store.key(first.token, definitions, 5) != store.key(first.token, definitions, 10)
    new_data(own_url)
    changed = _cache(own_url, definitions, store).get()
    assert data_part(changed.token) != data_part(first.token)
    assert len(counted) == 2 and len(store.keys()) == 2


def test_only_the_newest_states_are_kept_and_a_damaged_file_is_computed_again(
    own_url: str, definitions: Definitions, tmp_path: Path, counted: list[str]
) -> None:
    store = SnapshotStore(tmp_path / "store", keep=1)
    _cache(own_url, definitions, store).get()
    new_data(own_url)
    latest = _cache(own_url, definitions, store).get()
    (key,) = store.keys()  # the older state was removed
    assert key == store.key(latest.token, definitions, latest.threshold)
    store.path(key).write_bytes(b"not a snapshot")
    assert _cache(own_url, definitions, store).get().token == latest.token
    assert len(counted) == 3  # computed again; the damaged file was replaced
    assert store.load(key) is not None


def test_two_processes_at_once_compute_only_once(
    own_url: str, definitions: Definitions, tmp_path: Path, counted: list[str]
) -> None:
    """Two caches start together (as two workers do); the store's lock lets one compute."""
    results: list[snapshot.Snapshot] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            results.append(_cache(own_url, definitions, SnapshotStore(tmp_path / "store")).get())
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not failures and len(results) == 2
    assert len(counted) == 1
    assert results[0].token == results[1].token


def test_in_the_background_the_old_figures_are_served_until_the_new_ones_are_ready(
    own_url: str, definitions: Definitions, tmp_path: Path, counted: list[str]
) -> None:
    cache = _cache(own_url, definitions, SnapshotStore(tmp_path / "store"), background=True)
    first = cache.get()
    new_data(own_url)
    assert cache.get() is first  # answered at once, from the previous figures
    builder = cache._builder
    assert builder is not None
    builder.join(timeout=600)
    latest = cache.get()
    assert latest is not first and data_part(latest.token) != data_part(first.token)
    assert len(counted) == 2


def test_load_or_build_reads_what_the_server_stored(
    own_url: str, definitions: Definitions, tmp_path: Path, counted: list[str]
) -> None:
    first = snapshot.load_or_build(own_url, lambda: definitions, 5, tmp_path)
    again = snapshot.load_or_build(own_url, lambda: definitions, 5, tmp_path)
    assert len(counted) == 1 and again.token == first.token
    assert (Path(own_url.removeprefix("duckdb://")).parent / "copy.duckdb.snapshots").is_dir()


def _swap_current_batch(url: str) -> None:
    """What a bundle from another machine can do: make the older area batch current again. The
    number of batches and the newest load stay the same, only which batch is current changes."""
    with Warehouse.open(url) as warehouse:
        rows = warehouse.batches().filter(lambda b: b.source_id == "areas").order_by("loaded_at").to_pyarrow()
        older, newer = rows["batch_id"].to_pylist()[-2:]
        with warehouse.transaction():
            warehouse.con.raw_sql(f"UPDATE batches SET replaced_by = '{older}' WHERE batch_id = '{newer}'")
            warehouse.con.raw_sql(f"UPDATE batches SET replaced_by = NULL WHERE batch_id = '{older}'")


def test_the_key_changes_with_the_data_the_definitions_and_the_threshold(
    own_url: str, definitions: Definitions, tmp_path: Path, counted: list[str]
) -> None:
    new_data(own_url)
    store = SnapshotStore(tmp_path / "store")
    cache = _cache(own_url, definitions, store)
    first = cache.get()
    with Warehouse.open(own_url) as warehouse:
        before = warehouse.state()
    _swap_current_batch(own_url)
    with Warehouse.open(own_url) as warehouse:
        assert data_part(warehouse.state()) == data_part(before)  # the old key did not see it
        assert data_state(warehouse) != data_part(first.token)
    swapped = cache.get()
    assert data_part(swapped.token) != data_part(first.token) and len(counted) == 2  # not served stale
    key = store.key(first.token, definitions, 5)
    assert store.key(first.token, definitions, 10) != key
    retitled = replace(definitions, programme=definitions.programme.model_copy(update={"title": "Ander"}))
    assert store.key(first.token, retitled, 5) != key
    assert store.key(swapped.token, definitions, 5) != key
    next_day = first.token.rsplit("|", 1)[0] + "|2099-01-01"
    assert store.key(next_day, definitions, 5) == key  # the day: only the sources are judged again


def test_on_a_new_day_the_sources_are_judged_again_without_computing(
    own_url: str,
    definitions: Definitions,
    tmp_path: Path,
    counted: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = SnapshotStore(tmp_path / "store")
    cache = _cache(own_url, definitions, store)
    first = cache.get()
    judged: list[dt.date | None] = []
    real = freshness.source_status

    def source_status(warehouse: Warehouse, today: dt.date | None = None) -> list[freshness.SourceStatus]:
        judged.append(today)
        return real(warehouse, today=today)

    monkeypatch.setattr(freshness, "source_status", source_status)
    later = dt.date(2099, 1, 1)
    monkeypatch.setattr(snapshot, "today", lambda: later)
    again = cache.get()  # the file did not change, the day did
    assert again.day == later and again.token != first.token and judged == [later]
    assert all(s.outdated for s in again.sources if s.newest_period_end is not None)
    other = _cache(own_url, definitions, store).get()  # another process reads the stored file
    assert other.day == later and judged == [later, later] and len(counted) == 1


def test_in_the_background_accounts_are_current_and_a_write_during_the_computation_is_seen(
    own_url: str, definitions: Definitions, tmp_path: Path, counted: list[str]
) -> None:
    store = SnapshotStore(tmp_path / "store")
    cache = _cache(own_url, definitions, store, background=True)
    first = cache.get()
    go = threading.Event()
    saving = store.save

    def held(key: str, parts: dict[str, object]) -> None:  # computed, not yet stored and served
        assert go.wait(timeout=600)
        saving(key, parts)

    store.save = held  # type: ignore[method-assign]
    new_data(own_url)
    assert cache.get() is first and cache.building
    with Warehouse.open(own_url) as warehouse:
        accounts.add_user(warehouse, "nieuw", Role.RAAD, "een lang wachtwoord")
    meanwhile = cache.get(fresh=True)  # e.g. the page after a save: checked although building
    assert "nieuw" in meanwhile.accounts and data_part(meanwhile.token) == data_part(first.token)
    assert meanwhile.token != first.token  # the page cache does not answer from before the change
    new_data(own_url)  # a second load after the first was computed, before it is served
    go.set()
    builder = cache._builder
    assert builder is not None
    builder.join(timeout=600)
    with Warehouse.open(own_url) as warehouse:
        now = data_state(warehouse)
    deadline = time.monotonic() + 600
    while data_part(cache.get().token) != now:  # the second load is computed too, not missed
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert "nieuw" in cache.get(fresh=True).accounts and len(counted) == 3


def test_fresh_requests_at_once_share_a_check_and_each_sees_what_was_saved_before_it(
    own_url: str, definitions: Definitions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a file to look at (PostgreSQL) every check opens the warehouse; twenty requests
    that each waited for their own check made a queue of seconds."""
    monkeypatch.setattr(snapshot, "fingerprint", lambda _url: None)  # as on PostgreSQL
    cache = _cache(own_url, definitions, SnapshotStore(tmp_path / "store"))
    cache.get()
    checks: list[bool] = []
    real = cache._rebuild
    opened = threading.Event()

    def rebuild(previous: snapshot.Snapshot | None) -> snapshot.Snapshot:
        checks.append(True)
        assert opened.wait(timeout=600)
        return real(previous)

    monkeypatch.setattr(cache, "_rebuild", rebuild)
    with Warehouse.open(own_url) as warehouse:
        accounts.add_user(warehouse, "nieuw", Role.RAAD, "een lang wachtwoord")
    results: list[snapshot.Snapshot] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(fresh=True))) for _ in range(10)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # all ten asked while the first check is open
    opened.set()
    for thread in threads:
        thread.join(timeout=600)
    assert len(results) == 10 and all("nieuw" in found.accounts for found in results)
    assert len(checks) <= 2  # the first, and one for every request that arrived during it
