# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad serve --workers 2``: two processes on one port, one stored snapshot, and a data
change that every worker picks up (on a warehouse with only Maastricht's part of the area
register, so that the figures are computed in a second or two, not minutes; the workers are
forked from the server with the web app imported, so they start in seconds too)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyarrow as pa
import pytest
import typer

from veiligstad.cli import serve
from veiligstad.errors import ConfigError
from veiligstad.sources import embedded
from veiligstad.storage.schema import AREA_SCHEMA
from veiligstad.storage.warehouse import Batch, Warehouse, WarehouseCorrupt

#: Every wait of this test is bounded by this (a busy shared machine computes slowly).
LIMIT = 300.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def _workers(pid: int) -> list[int]:
    """The uvicorn worker processes under ``pid`` (forked or spawned; not a resource tracker)."""
    workers = []
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except FileNotFoundError:
            continue
        if b"resource_tracker" not in command:
            workers.append(child)
    return workers


def _maastricht() -> pa.Table:
    """Maastricht's areas (about 60) from the embedded register, without loading anything else."""
    areas = embedded.read_areas()
    own = areas[areas["gemeente_code"] == "GM0935"]
    return pa.Table.from_pandas(own, schema=AREA_SCHEMA.to_pyarrow(), preserve_index=False)


def _get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=120, headers={"Connection": "close"})  # a new connection each time


def _load_areas(url: str, rows: pa.Table, mark: str) -> None:
    """Load the area register as a new batch whose file hash is ``mark`` (a data change)."""
    with Warehouse.open(url, wait_seconds=LIMIT) as warehouse:
        warehouse.ensure_schema()
        batch = Batch(
            *(f"areas@{mark}", "areas", "test", "p", "a", None, "areas.csv", mark),
            *("", "", "", rows.num_rows, dt.datetime.now(dt.UTC)),
        )
        warehouse.replace_areas(rows, batch)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc to find the workers")
def test_two_workers_read_one_snapshot_and_both_see_a_data_change(tmp_path: Path) -> None:
    # only Maastricht's areas: computing the figures of the full embedded data twice would take
    # minutes on a busy machine; what is tested here is who computes and who reads
    areas = _maastricht()
    database = tmp_path / "veiligstad.duckdb"
    url = f"duckdb://{database}"
    _load_areas(url, areas, "eerste")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "VEILIGSTAD_DATABASE_URL": url,
        "VEILIGSTAD_SECRET_KEY": "test-secret-key-not-for-production",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    command = [sys.executable, "-m", "veiligstad", "serve", "--port", str(port), "--workers", "2"]
    log = tmp_path / "serve.log"
    with log.open("wb") as errors:
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        started = time.monotonic()
        while True:
            assert server.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() - started < LIMIT, "the server did not come up"
            try:
                if _get(base + "/programma").status_code == 200 and len(_workers(server.pid)) == 2:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        stored = list((tmp_path / "veiligstad.duckdb.snapshots").glob("*.snapshot"))
        assert len(stored) == 1  # computed once, by the parent, before the workers started

        with httpx.Client(base_url=base, timeout=120) as kept:  # one kept-alive connection
            kept.get("/api/v1/bronnen")
            times = []
            for _ in range(20):
                began = time.perf_counter()
                assert kept.get("/api/v1/bronnen").status_code == 200
                times.append(time.perf_counter() - began)
        # a cached answer takes a millisecond; without TCP_NODELAY each waited ~44 ms for the
        # client's delayed ACK (uvicorn's own socket for the workers; see serve.tcp_config)
        assert statistics.median(times) < 0.03, times

        mark = secrets.token_hex(6)
        _load_areas(url, areas, mark)
        changed = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            first = list(pool.map(lambda _: _get(base + "/programma"), range(8)))
        assert all(answer.status_code == 200 for answer in first)
        # the old figures are served while the new ones are computed: no answer waits for them
        assert time.monotonic() - changed < 30

        in_a_row = 0
        with ThreadPoolExecutor(8) as pool:
            while in_a_row < 3:  # three rounds of eight parallel new connections all see it
                assert time.monotonic() - changed < LIMIT, "the new data was not served by every worker"
                answers = list(pool.map(lambda _: _get(base + "/api/v1/bronnen"), range(8)))
                assert all(answer.status_code == 200 for answer in answers)
                in_a_row = in_a_row + 1 if all(mark in answer.text for answer in answers) else 0
                time.sleep(0.1)
        assert len(_workers(server.pid)) == 2  # no worker died on the way
        assert len(list((tmp_path / "veiligstad.duckdb.snapshots").glob("*.snapshot"))) == 2
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the checks run in a forked child only where it can fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # Python 3.12+
def test_with_workers_an_error_of_the_forked_check_is_the_commands(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """With workers the startup checks run in a forked child (the server never connects itself):
    the child's Dutch error and exit code are the command's, and the parent's own work (importing
    the web app) runs meanwhile."""
    path = tmp_path / "veiligstad.duckdb"

    def damaged() -> None:
        raise WarehouseCorrupt(f"Het warehouse-bestand {path} is beschadigd.", hint="Zet een back-up terug.")

    meanwhile: list[bool] = []
    with pytest.raises(typer.Exit) as stopped:
        serve.in_child(damaged, meanwhile=lambda: meanwhile.append(True))
    assert stopped.value.exit_code == 1 and meanwhile == [True]
    err = capfd.readouterr().err
    assert f"Fout: Het warehouse-bestand {path} is beschadigd." in err and "back-up" in err
    assert "Traceback" not in err
    serve.in_child(lambda: None, meanwhile=lambda: None)  # no error: the command goes on


def test_the_workers_socket_is_tcp_and_a_taken_port_is_a_dutch_error() -> None:
    """Accepted connections inherit ``proto`` from the listening socket, and asyncio turns on
    TCP_NODELAY only for ``IPPROTO_TCP`` (uvicorn binds it with 0)."""
    config = serve.tcp_config()(serve.WORKER_APP, factory=True, workers=2, host="127.0.0.1", port=0)
    listening = config.bind_socket()
    try:
        assert listening.proto == socket.IPPROTO_TCP and listening.get_inheritable()
        taken = listening.getsockname()[1]
        listening.listen()
        again = serve.tcp_config()(serve.WORKER_APP, factory=True, workers=2, host="127.0.0.1", port=taken)
        with pytest.raises(ConfigError, match=f"kan niet luisteren op 127.0.0.1:{taken}"):
            again.bind_socket()
    finally:
        listening.close()
