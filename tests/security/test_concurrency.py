# SPDX-License-Identifier: EUPL-1.2
"""Writers of one server process do not break each other, and readers do not break writers.

Real threads on a real DuckDB file: uploads (the service the upload page calls, the way the
page calls it), account saves and action saves run at the same time while other threads
open the warehouse and read, as the pages do. Every write must commit. Before scratch
tables belonged to their writer, ``Warehouse.open`` dropped the scratch table of an upload
still running in another thread.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from veiligstad.domain.accounts import Role
from veiligstad.domain.actions import Action, AuditEntry, Change, Entity
from veiligstad.services import accounts, uploads
from veiligstad.settings import Settings
from veiligstad.storage import actions as action_store
from veiligstad.storage.warehouse import AREA_SCHEMA, STAGE_PREFIX, Batch, Warehouse
from veiligstad.web import auth
from veiligstad.web.app import create_app

WRITERS = 6  # of each kind
READERS = 3
BUURTEN = [f"BU0935{n:04d}" for n in range(WRITERS)]


def _small_warehouse(url: str) -> None:
    rows = [{"code": "GM0935", "name": "Maastricht", "level": "gemeente", "gemeente_code": "GM0935"}]
    rows += [{"code": b, "name": b, "level": "buurt", "gemeente_code": "GM0935"} for b in BUURTEN]
    for row in rows:
        row.update(wijk_code=None, stadsdeel_code=None, boundary_year=2024, geometry=None)
    with Warehouse.open(url) as warehouse:
        warehouse.ensure_schema()
        action_store.ensure_tables(warehouse)
        now = dt.datetime.now(dt.UTC)
        batch = Batch("areas@1", "areas", "t", "p", "a", None, "areas.csv", "1", "", "", "", len(rows), now)
        warehouse.replace_areas(pa.Table.from_pylist(rows, schema=AREA_SCHEMA.to_pyarrow()), batch)


def _upload(url: str, index: int) -> str:
    """What ``POST /intern/uploads`` does: one short-lived connection, the upload service."""
    data = f"area_code,period,measure,value\n{BUURTEN[index]},2024,misdrijven:0.0.0,{index + 10}\n"
    with Warehouse.open(url) as warehouse:
        report = uploads.import_bytes(
            warehouse, data.encode(), f"wijkcijfers-{index}.csv", loaded_by="analist", origin="test"
        )
    return report.outcome


def _save_account(url: str, index: int) -> str:
    with Warehouse.open(url) as warehouse:
        accounts.add_user(warehouse, f"gebruiker{index}", Role.ANALIST, "een lang wachtwoord 123", "test")
    return "geladen"


def _save_action(url: str, index: int) -> str:
    at = dt.datetime.now(dt.UTC)
    action = Action(id=f"actie-{index}", year=2025, title=f"Actie {index}", themes=["overlast"])
    after = action.model_dump(mode="json")
    entry = AuditEntry(at, "analist", Entity.ACTION, action.id, Change.CREATE, None, after)
    with Warehouse.open(url) as warehouse:
        action_store.write(warehouse, [entry], actions=[action])
    return "geladen"


def _read(url: str) -> None:
    """What the pages and the snapshot do: open, read, close."""
    with Warehouse.open(url) as warehouse:
        warehouse.state()
        warehouse.observations().count().execute()
        accounts.users(warehouse)


def run_concurrently(url: str, writers: list[Callable[[], str]]) -> tuple[list[str], list[BaseException]]:
    """Run the writers in threads while READERS threads read in a loop; outcomes and errors."""
    outcomes: list[str] = []
    errors: list[BaseException] = []
    done = threading.Event()
    start = threading.Barrier(len(writers) + READERS)

    def reader() -> None:
        start.wait()
        while not done.is_set():
            try:
                _read(url)
            except BaseException as exc:  # a reader failing is a finding too
                errors.append(exc)
                return

    def writer(job: Callable[[], str]) -> None:
        start.wait()
        try:
            outcomes.append(job())
        except BaseException as exc:
            errors.append(exc)

    # daemon threads and one deadline for all: a hang fails the test instead of holding the run
    readers = [threading.Thread(target=reader, daemon=True) for _ in range(READERS)]
    threads = [threading.Thread(target=writer, args=(job,), daemon=True) for job in writers]
    for thread in readers + threads:
        thread.start()
    deadline = time.monotonic() + 300
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    done.set()
    for thread in readers:
        thread.join(timeout=max(5.0, deadline - time.monotonic()))
    stuck = [t.name for t in readers + threads if t.is_alive()]
    assert not stuck, f"threads still running after 300 s (a deadlock?): {stuck}"
    return outcomes, errors


@pytest.mark.parametrize("rounds", [2])
def test_concurrent_writes_all_commit_while_others_read(tmp_path: Path, rounds: int) -> None:
    url = f"duckdb://{tmp_path / 'veiligstad.duckdb'}"
    _small_warehouse(url)
    attempted = succeeded = 0
    failures: list[BaseException] = []
    for round_ in range(rounds):
        offset = round_ * WRITERS
        jobs: list[Callable[[], str]] = []
        for i in range(WRITERS):
            jobs.append(lambda i=i: _upload(url, i))  # a second round re-uploads the same files
            jobs.append(lambda i=i + offset: _save_account(url, i))
            jobs.append(lambda i=i + offset: _save_action(url, i))
        outcomes, errors = run_concurrently(url, jobs)
        attempted += len(jobs)
        succeeded += sum(outcome in ("geladen", "ongewijzigd") for outcome in outcomes)
        failures += errors
    assert not failures, (f"writes committed: {succeeded}/{attempted}", [repr(e) for e in failures][:5])
    assert succeeded == attempted
    with Warehouse.open(url) as warehouse:
        batches = warehouse.batches().execute()
        sources = {uploads.source_id_for(f"wijkcijfers-{i}.csv") for i in range(WRITERS)}
        assert set(batches["source_id"]) >= sources
        assert int(warehouse.observations().count().execute()) == WRITERS
        assert len(accounts.users(warehouse)) == WRITERS * rounds
        assert len(action_store.load_actions(warehouse)) == WRITERS * rounds
        assert not [t for t in warehouse.con.list_tables() if t.startswith(STAGE_PREFIX)]


# --------------------------------------------------------------------------- between processes

HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])  # read-write: DuckDB's file lock
print("vast", flush=True)
release = sys.argv[2]
deadline = time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline and not __import__("os").path.exists(release):
    time.sleep(0.05)
con.close()
"""


@contextmanager
def held(path: Path, release: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the DuckDB file until ``release`` exists (at most ``seconds``)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(release), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "vast"
        yield holder
    finally:
        release.touch()
        holder.wait(timeout=60)
        if holder.stdout is not None:
            holder.stdout.close()


def _cli(url: str, wait: float, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "VEILIGSTAD_DATABASE_URL": url, "VEILIGSTAD_WRITE_WAIT_SECONDS": str(wait)}
    return subprocess.Popen(
        [sys.executable, "-m", "veiligstad", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _upload_file(tmp_path: Path) -> Path:
    target = tmp_path / "wijkcijfers.csv"
    target.write_text(f"area_code,period,measure,value\n{BUURTEN[0]},2024,misdrijven:0.0.0,12\n")
    return target


def test_a_cli_import_waits_for_another_process_and_then_loads(tmp_path: Path) -> None:
    path = tmp_path / "veiligstad.duckdb"
    url = f"duckdb://{path}"
    _small_warehouse(url)
    release = tmp_path / "release"
    with held(path, release, seconds=120) as holder:
        cli = _cli(url, 120, "import", "file", str(_upload_file(tmp_path)))
        try:
            assert cli.stderr is not None
            line = cli.stderr.readline()  # the CLI is waiting: only now does the holder let go
            release.touch()
            _out, err = cli.communicate(timeout=300)
        except BaseException:
            cli.kill()
            cli.communicate()
            raise
    assert f"Het warehouse is bezet door een ander proces (PID {holder.pid}); ik wacht nog" in line
    assert cli.returncode == 0, line + err
    assert "Traceback" not in err
    with Warehouse.open(url) as warehouse:
        assert uploads.source_id_for("wijkcijfers.csv") in set(warehouse.batches().execute()["source_id"])


def test_a_cli_import_gives_up_after_the_bound_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "veiligstad.duckdb"
    url = f"duckdb://{path}"
    _small_warehouse(url)
    with held(path, tmp_path / "release", seconds=300) as holder:
        started = time.monotonic()
        cli = _cli(url, 2, "import", "file", str(_upload_file(tmp_path)))
        _out, err = cli.communicate(timeout=300)
        assert holder.poll() is None  # still holding: the CLI gave up, it was not let in
    assert cli.returncode == 1, err
    assert f"Fout: Het warehouse {path} is bezet door een ander proces (PID {holder.pid})" in err
    assert "VEILIGSTAD_WRITE_WAIT_SECONDS" in err  # the hint
    assert "Traceback" not in err
    assert time.monotonic() - started >= 2
    with Warehouse.open(url) as warehouse:
        assert uploads.source_id_for("wijkcijfers.csv") not in set(warehouse.batches().execute()["source_id"])


WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # fails at once when another process holds the file
con.execute("CREATE TABLE van_buiten AS SELECT 1 AS x")
con.close()
"""


def test_an_idle_server_does_not_hold_the_warehouse(tmp_path: Path, loaded_url: str) -> None:
    path = tmp_path / "veiligstad.duckdb"
    source = Path(loaded_url.removeprefix("duckdb://"))
    path.write_bytes(source.read_bytes())
    url = f"duckdb://{path}"
    with Warehouse.open(url) as warehouse:
        accounts.add_user(warehouse, "analist", Role.ANALIST, "een lang wachtwoord 123", "test")
    app = create_app(Settings(database_url=url, secret_key="test-secret-key-not-for-production"))
    with TestClient(app, follow_redirects=False) as client:
        for page in ("/bronnen", "/api/v1/bronnen", "/inloggen", "/intern/"):
            assert client.get(page).status_code in (200, 303), page
        form = client.get("/inloggen").text
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        login = {"gebruikersnaam": "analist", "wachtwoord": "een lang wachtwoord 123", "csrf_token": token}
        assert client.post("/inloggen", data=login).status_code == 303
        assert client.get("/intern/").status_code == 200
        run = subprocess.run(
            [sys.executable, "-c", WRITER, str(path)], capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, run.stderr  # the server, idle, holds no lock
        assert client.get("/bronnen").status_code == 200


# --------------------------------------------------------------------------- through the web pages

PAGE_UPLOADS = 4
BROWSERS = 3


def _logged_in(app: FastAPI, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    form = client.get("/inloggen").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    data = {"gebruikersnaam": username, "wachtwoord": "een lang wachtwoord 123", "csrf_token": token}
    assert client.post("/inloggen", data=data).status_code == 303
    return client


def test_uploads_on_the_page_all_commit_while_others_browse_internal_pages(
    tmp_path: Path, loaded_url: str
) -> None:
    """The attacker's setting: 3 users browse internal pages (each opens the warehouse) while
    4 analysts upload on /intern/uploads. Before the fix uploads failed with a 500 (the attacker
    saw 4 of 4 fail; on this machine the old code committed 3 of 4)."""
    path = tmp_path / "veiligstad.duckdb"
    path.write_bytes(Path(loaded_url.removeprefix("duckdb://")).read_bytes())
    url = f"duckdb://{path}"
    with Warehouse.open(url) as warehouse:
        accounts.add_user(warehouse, "analist", Role.ANALIST, "een lang wachtwoord 123", "test")
        accounts.add_user(warehouse, "beheerder", Role.BEHEERDER, "een lang wachtwoord 123", "test")
    app = create_app(Settings(database_url=url, secret_key="test-secret-key-not-for-production"))
    app.state.cache.check_seconds = 0
    uploaders = [_logged_in(app, "analist") for _ in range(PAGE_UPLOADS)]
    browsers = [_logged_in(app, "beheerder") for _ in range(BROWSERS)]
    statuses: list[int] = []
    browse_errors: list[int] = []
    done = threading.Event()
    start = threading.Barrier(PAGE_UPLOADS + BROWSERS)

    def browse(client: TestClient) -> None:
        start.wait()
        while not done.is_set():
            for page in ("/intern/bronnen", "/intern/waarden", "/intern/gebruikers"):
                status = client.get(page).status_code
                if status != 200:
                    browse_errors.append(status)

    def upload(client: TestClient, index: int) -> None:
        data = f"area_code,period,measure,value\nGM0935,2024,misdrijven:0.0.0,{index + 100}\n".encode()
        token = client.cookies.get(auth.CSRF_COOKIE) or ""
        start.wait()
        response = client.post(
            "/intern/uploads",
            data={"csrf_token": token},
            files={"bestand": (f"pagina-{index}.csv", data, "text/csv")},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=browse, args=(c,)) for c in browsers]
    threads += [threading.Thread(target=upload, args=(c, i)) for i, c in enumerate(uploaders)]
    for thread in threads:
        thread.start()
    for thread in threads[BROWSERS:]:
        thread.join(timeout=600)
    done.set()
    for thread in threads[:BROWSERS]:
        thread.join(timeout=120)
    assert statuses == [200] * PAGE_UPLOADS, f"uploads committed: {statuses.count(200)}/{PAGE_UPLOADS}"
    assert not browse_errors
    with Warehouse.open(url) as warehouse:
        loaded = set(warehouse.batches().execute()["source_id"])
        assert {uploads.source_id_for(f"pagina-{i}.csv") for i in range(PAGE_UPLOADS)} <= loaded
        assert not [t for t in warehouse.con.list_tables() if t.startswith(STAGE_PREFIX)]


# --------------------------------------------------------------------------- PostgreSQL: many writers

SHARED_ACTION = "gedeelde-actie"
SHARED_SOURCE = "wijkcijfers-gedeeld.csv"


def _pg_writer(url: str, writer: int, rounds: int, results: Any) -> None:
    """One writing process: per round an upload of a new version of a shared source, an account
    save, and a read-modify-write of a shared action (a progress note, retried on a conflict)."""
    from veiligstad.domain.actions import ProgressNote

    tally = {"commits": 0, "conflicts": 0, "errors": [], "notes": [], "uploads": []}
    for step in range(rounds):
        try:
            value = writer * 1000 + step
            data = (
                f"area_code,period,measure,value\n{BUURTEN[writer % WRITERS]},2024,misdrijven:0.0.0,{value}\n"
            )
            with Warehouse.open(url) as warehouse:
                report = uploads.import_bytes(warehouse, data.encode(), SHARED_SOURCE, loaded_by=f"w{writer}")
            assert report.outcome == "geladen", report.outcome
            tally["uploads"].append(report.batch_id)
            tally["commits"] += 1
            with Warehouse.open(url) as warehouse:
                accounts.add_user(
                    warehouse, f"schrijver{writer}r{step}", Role.ANALIST, "een lang wachtwoord 123"
                )
            tally["commits"] += 1
            note = f"w{writer}r{step}"
            for _attempt in range(50):
                with Warehouse.open(url) as warehouse:
                    before = action_store.load_action(warehouse, SHARED_ACTION)
                    assert before is not None
                    progress = [
                        *before.progress,
                        ProgressNote(date=dt.date(2025, 1, 1), text=note, author="w"),
                    ]
                    after = before.model_copy(update={"progress": progress})
                    at = dt.datetime.now(dt.UTC)
                    entry = AuditEntry(
                        at, f"w{writer}", Entity.ACTION, SHARED_ACTION, Change.UPDATE,
                        before.model_dump(mode="json"), after.model_dump(mode="json"),
                    )  # fmt: skip
                    try:
                        action_store.write(
                            warehouse, [entry], actions=[after], expected={SHARED_ACTION: before}
                        )
                    except action_store.StaleRecord:
                        tally["conflicts"] += 1
                        continue
                tally["commits"] += 1
                tally["notes"].append(note)
                break
        except BaseException as exc:  # every failure is reported to the test, never swallowed
            tally["errors"].append(f"{type(exc).__name__}: {exc}")
    results.put((writer, tally))


def many_writers(url: str, processes: int, rounds: int) -> dict[str, Any]:
    """Run ``processes`` writing processes on a PostgreSQL warehouse at once and check what they
    left: figures of the run and the invariants (half-written batches, lost updates)."""
    import multiprocessing

    _small_warehouse(url)
    seed = Action(id=SHARED_ACTION, year=2025, title="Gedeelde actie", themes=["overlast"])
    entry = AuditEntry(
        dt.datetime.now(dt.UTC),
        "test",
        Entity.ACTION,
        seed.id,
        Change.CREATE,
        None,
        seed.model_dump(mode="json"),
    )
    with Warehouse.open(url) as warehouse:
        action_store.write(warehouse, [entry], actions=[seed])
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    started = time.perf_counter()
    workers = [context.Process(target=_pg_writer, args=(url, w, rounds, results)) for w in range(processes)]
    for worker in workers:
        worker.start()
    tallies = dict(results.get(timeout=600) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    seconds = time.perf_counter() - started
    with Warehouse.open(url) as warehouse:
        sql = warehouse.con.raw_sql
        half = sql(
            "SELECT count(*) FROM batches b WHERE b.source_id <> 'areas' AND b.rows <> "
            "(CASE WHEN b.replaced_by IS NULL THEN "
            "(SELECT count(*) FROM observations o WHERE o.batch_id = b.batch_id) ELSE "
            "(SELECT count(*) FROM observations_history h WHERE h.batch_id = b.batch_id) END)"
        ).fetchone()[0]
        current = sql(
            "SELECT source_id, count(*) FROM batches WHERE replaced_by IS NULL GROUP BY source_id "
            "HAVING count(*) <> 1"
        ).fetchall()
        orphans = sql(
            "SELECT count(*) FROM observations WHERE batch_id NOT IN (SELECT batch_id FROM batches)"
        )
        duplicates = sql(
            "SELECT count(*) FROM (SELECT batch_id FROM batches GROUP BY batch_id HAVING count(*) > 1) d"
        )
        users = sql("SELECT username, count(*) FROM users GROUP BY username").fetchall()
        action = action_store.load_action(warehouse, SHARED_ACTION)
        updates = len([e for e in action_store.load_audit(warehouse) if e.change is Change.UPDATE])
        loaded = {r[0] for r in sql("SELECT batch_id FROM batches").fetchall()}
    assert action is not None
    notes = [n for t in tallies.values() for n in t["notes"]]
    present = {p.text for p in action.progress}
    return {
        "processes": processes,
        "rounds": rounds,
        "seconds": round(seconds, 1),
        "commits": sum(t["commits"] for t in tallies.values()),
        "conflicts": sum(t["conflicts"] for t in tallies.values()),
        "errors": [e for t in tallies.values() for e in t["errors"]],
        "lost_updates": len([n for n in notes if n not in present]) + abs(len(action.progress) - len(notes)),
        "audit_updates": updates,
        "notes": len(notes),
        "half_written_batches": int(half),
        "sources_without_one_current_batch": current,
        "observations_without_batch": int(orphans.fetchone()[0]),
        "duplicate_batch_ids": int(duplicates.fetchone()[0]),
        "uploads_missing": len([b for t in tallies.values() for b in t["uploads"] if b not in loaded]),
        "accounts": {u: n for u, n in users if u.startswith("schrijver")},
    }


def test_many_writing_processes_on_postgresql_commit_or_fail_cleanly(fresh_postgres_url: str) -> None:
    """Several processes upload, save accounts and update one shared action at the same time on a
    real PostgreSQL server: every operation commits (an action update that read an outdated
    version is refused and retried), nothing is half-written and no update is lost."""
    processes, rounds = 4, 3
    figures = many_writers(fresh_postgres_url, processes, rounds)
    assert figures["errors"] == [], figures
    assert figures["commits"] == processes * rounds * 3, figures
    assert figures["notes"] == processes * rounds and figures["lost_updates"] == 0, figures
    assert figures["audit_updates"] == figures["notes"], figures  # one audit entry per committed update
    assert figures["half_written_batches"] == 0 and figures["sources_without_one_current_batch"] == []
    assert figures["observations_without_batch"] == 0 and figures["duplicate_batch_ids"] == 0
    assert figures["uploads_missing"] == 0
    assert figures["accounts"] == {f"schrijver{w}r{s}": 1 for w in range(processes) for s in range(rounds)}
