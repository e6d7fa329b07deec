# SPDX-License-Identifier: EUPL-1.2
"""A damaged warehouse file is a clear Dutch error, and a file that disappears while the server
runs is a 503, never a new warehouse filled with the embedded data and without the accounts."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from veiligstad.domain.accounts import Role
from veiligstad.services import accounts, monitor
from veiligstad.services.snapshot import SnapshotCache
from veiligstad.settings import Settings
from veiligstad.storage.warehouse import Warehouse, WarehouseCorrupt, WarehouseMissing
from veiligstad.web.app import create_app

PASSWORD = "een lang wachtwoord 123"


def _copy(loaded_url: str, target: Path) -> str:
    source = Path(loaded_url.removeprefix("duckdb://"))
    shutil.copyfile(source, target)
    return f"duckdb://{target}"


def _run(url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VEILIGSTAD_DATABASE_URL": url, "VEILIGSTAD_WRITE_WAIT_SECONDS": "0"}
    command = [sys.executable, "-m", "veiligstad", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def _assert_clear(run: subprocess.CompletedProcess[str], path: Path) -> None:
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert f"Fout: Het warehouse-bestand {path} is beschadigd of is geen DuckDB-database" in run.stderr
    assert "back-up" in run.stderr and "veiligstad init" in run.stderr  # what to do


def test_a_file_that_is_no_duckdb_database_stops_the_cli_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "veiligstad.duckdb"
    path.write_bytes(b"geen database\n" * 1000)
    before = path.read_bytes()
    _assert_clear(_run(f"duckdb://{path}", "status"), path)
    assert path.read_bytes() == before  # left as it was, for the user to inspect


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def test_serve_refuses_to_start_on_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "veiligstad.duckdb"
    path.write_bytes(os.urandom(300_000))
    run = _run(f"duckdb://{path}", "serve", "--port", _free_port(), timeout=120)
    _assert_clear(run, path)
    assert "draait op" not in run.stdout


def _damaged_inside(loaded_url: str, target: Path) -> str:
    """A real warehouse whose header is intact but whose table blocks are overwritten."""
    url = _copy(loaded_url, target)
    data = bytearray(target.read_bytes())
    block = 256 * 1024
    for start in range(3 * 4096 + block, len(data) - 64, block):  # every data block's first bytes
        data[start + 8 : start + 64] = b"\xff" * 56
    target.write_bytes(bytes(data))
    return url


def test_damage_inside_the_tables_is_found_at_start(tmp_path: Path, loaded_url: str) -> None:
    path = tmp_path / "veiligstad.duckdb"
    url = _damaged_inside(loaded_url, path)
    with pytest.raises(WarehouseCorrupt, match="beschadigd") as caught, Warehouse.open(url) as warehouse:
        warehouse.verify()  # what serve does before it listens
    assert "veiligstad init" in caught.value.hint
    _assert_clear(_run(url, "serve", "--port", _free_port(), timeout=300), path)


def _client(url: str) -> TestClient:
    cache = SnapshotCache(url, monitor.load_definitions, check_seconds=0)
    app = create_app(Settings(database_url=url, secret_key="test-secret-key-not-for-production"), cache=cache)
    return TestClient(app, follow_redirects=False)


def _log_in(client: TestClient) -> int:
    form = client.get("/inloggen")
    if form.status_code != 200:
        return form.status_code
    token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    data = {"gebruikersnaam": "analist", "wachtwoord": PASSWORD, "csrf_token": token}
    return client.post("/inloggen", data=data).status_code


def test_a_warehouse_deleted_while_serving_is_a_503_not_a_new_empty_one(
    tmp_path: Path, loaded_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "veiligstad.duckdb"
    url = _copy(loaded_url, path)
    with Warehouse.open(url) as warehouse:
        accounts.add_user(warehouse, "analist", Role.ANALIST, PASSWORD, "test")
    backup = tmp_path / "backup.duckdb"
    shutil.copyfile(path, backup)
    with _client(url) as client, _client(url) as visitor:
        assert _log_in(client) == 303
        assert client.get("/intern/").status_code == 200
        assert visitor.get("/bronnen").status_code == 200

        path.unlink()
        caplog.set_level(logging.WARNING)
        page = visitor.get("/bronnen")
        assert page.status_code == 503
        assert "verdwenen" in page.text
        api = visitor.get("/api/v1/bronnen")
        assert api.status_code == 503 and api.headers["content-type"].startswith("application/problem+json")
        assert "verdwenen" in api.json()["detail"]
        assert client.get("/intern/").status_code == 503  # the logged-in user: not a 401
        assert _log_in(TestClient(client.app, follow_redirects=False)) == 503
        assert not path.exists()  # nothing made again behind the user's back
        assert any("verdwenen" in record.getMessage() for record in caplog.records)
        with pytest.raises(WarehouseMissing), Warehouse.open(url):
            pass

        shutil.copyfile(backup, path)  # the backup is put back: the server uses it again
        assert visitor.get("/bronnen").status_code == 200
        assert client.get("/intern/").status_code == 200
        assert _log_in(TestClient(client.app, follow_redirects=False)) == 303
