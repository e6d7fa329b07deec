# SPDX-License-Identifier: EUPL-1.2
"""Web load benchmark: 20 concurrent clients for 30 s over the main pages and the API.

Starts ``veiligstad serve`` as a separate process on a free loopback port with a fresh
warehouse (the embedded data, loaded at start), waits until it answers, warms every URL
(``2 × workers`` parallel new connections, so that every worker's caches are warm), then runs
``--clients`` asyncio clients that each request the URLs round-robin (from a different offset)
for ``--seconds``. Prints requests/s, p50/p95/p99 latency and the
error count (any status other than 200 or a transport error) overall and per URL.

``--bypass-cache`` sends a (meaningless) session cookie, so the whole-response cache for
anonymous visitors is skipped and every request renders its page from the snapshot: the
figure for logged-in users and for the first visitor after a data change.

``--logged-in`` runs the clients as 20 analist sessions (one account, each client logged in
through the real login form, so every session is a real signed cookie with the account's
session generation) over the internal pages and a few public ones (rendered for every
request: the page cache is for anonymous visitors only), and prints p50/p95 per page. The
same code runs at a tiny scale in ``tests/security/test_sessions.py`` (``logged_in_load``).

Baseline in the same run: ``/static/style.css``, a static file through the same server and
middleware. Starlette reads it from disk with a hop to a worker thread for each step (stat,
open, read), so under load it is slower than a cached page, which is answered from memory
without one; it shows the machine's load, not a floor.

The clients are a small HTTP/1.1 keep-alive client (``Connection``), not httpx, so the load
generator takes little of the two cores it shares with the server; the run prints its CPU.

``--workers N`` starts ``veiligstad serve --workers N`` (the figures computed once and read
by every worker from the snapshot store). ``--data-change`` then changes the data while the
server runs (the area register loaded again as a new batch) and reports the slowest of the
first answers after it (goal < 3 s: the old figures are served while the new ones are
computed) and when every worker serves the new figures.

``--warehouse FILE`` starts from a copy of a loaded DuckDB file (and its stored snapshots)
instead of an empty one: no minutes of loading and computing before each run.

``--postgres-url postgresql://…`` runs the server on that PostgreSQL database instead (empty: the
embedded data are loaded at start; the benchmark's account and data change are written there;
the stored snapshots go to the run's temporary data folder). ``tests/postgres.py`` starts a
throwaway cluster.

Run:  uv run python benchmarks/web_load.py [--clients 20] [--seconds 30] [--workers N] [--warehouse F]
          [--bypass-cache | --logged-in] [--data-change]
Goals (issue 13): anonymous p95 < 50 ms at 20 clients; logged-in p95 < 150 ms at 20 analist
sessions; no page above 1 s at p95; first answer after a data change < 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import httpx

PAGES = [
    "/programma",
    "/indicatoren",
    "/indicatoren/misdrijven-totaal",
    "/themas/veelvoorkomende-criminaliteit-hic",
    "/gebieden",
    "/gebieden/GM0935",
    "/gebieden/BU09350000",
    "/kaart",
    "/kaart?indicator=misdrijven-totaal&niveau=gemeente&periode=2022",
    "/hotspots",
    "/signalen",
    "/bronnen",
    "/methode",
]
API = [
    "/api/v1/programmas",
    "/api/v1/indicatoren",
    "/api/v1/indicatoren/misdrijven-totaal/waarden?gebied=GM0935",
    "/api/v1/indicatoren/misdrijven-totaal/waarden?niveau=buurt&periode=2023",
    "/api/v1/gebieden/GM0935",
    "/api/v1/signalen",
]
BASELINE = "/static/style.css"
#: What an analist opens: the internal pages and, logged in, some public ones.
INTERNAL = [
    "/intern/",
    "/intern/waarden",
    "/intern/waarden?indicator=misdrijven-totaal&niveau=buurt",
    "/intern/acties",
    "/intern/evaluatie/2024",
    "/intern/uploads",
    "/programma",
    "/gebieden/GM0935",
    "/indicatoren/misdrijven-totaal",
]
ANALIST = "benchmark-analist"


def warm_up(base: str, url: str, workers: int, cookies: dict[str, str] | None = None) -> tuple[int, float]:
    """Request ``url`` with ``2 × workers`` parallel new connections (the kernel hands them to
    different workers, so each worker computes its per-snapshot caches before the run); the
    worst status and the slowest time in ms."""
    from concurrent.futures import ThreadPoolExecutor

    def one(_: int) -> tuple[int, float]:
        began = time.perf_counter()
        answer = httpx.get(base + url, cookies=cookies, timeout=300, headers={"Connection": "close"})
        return answer.status_code, (time.perf_counter() - began) * 1000

    with ThreadPoolExecutor(2 * workers) as pool:
        answers = list(pool.map(one, range(2 * workers)))
    status = next((s for s, _ in answers if s != 200), 200)
    return status, max(ms for _, ms in answers)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def copy_warehouse(source: Path | None, folder: Path) -> None:
    """Start from a copy of ``source`` (and its stored snapshots) instead of an empty warehouse:
    the server then starts in seconds, without loading the embedded data and computing."""
    if source is None:
        return
    shutil.copy(source, folder / "veiligstad.duckdb")
    stored = source.parent / f"{source.name}.snapshots"
    if stored.is_dir():
        shutil.copytree(stored, folder / "veiligstad.duckdb.snapshots")


#: ``--postgres-url``: the database of this run (``None``: a DuckDB file in the run's folder).
POSTGRES: dict[str, str] = {}


def database_url(folder: Path) -> str:
    """The warehouse of this run: ``--postgres-url``, else the DuckDB file in ``folder``."""
    return POSTGRES.get("url") or f"duckdb://{folder / 'veiligstad.duckdb'}"


def backend() -> str:
    """The backend of this run, for the report."""
    return "PostgreSQL" if POSTGRES.get("url") else "DuckDB"


def add_analist(folder: Path) -> str:
    """Create the benchmark's analist account in the (new) warehouse; returns its password."""
    from veiligstad.domain.accounts import Role
    from veiligstad.services import accounts, bootstrap
    from veiligstad.storage.warehouse import Warehouse

    password = secrets.token_urlsafe(18)
    with Warehouse.open(database_url(folder)) as warehouse:
        if warehouse.is_empty():  # the embedded data first, as the server's first use would
            bootstrap.initialise(warehouse)
        if ANALIST in {u.username for u in accounts.users(warehouse)}:
            accounts.remove_user(warehouse, ANALIST)
        accounts.add_user(warehouse, ANALIST, Role.ANALIST, password, created_by="benchmark")
    return password


async def log_in(base: str, username: str, password: str) -> dict[str, str]:
    """Log in through the form as a browser does; the session and form cookies."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as session:
        form = await session.get("/inloggen")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if token is None:
            raise SystemExit("no form token on /inloggen")
        data = {"gebruikersnaam": username, "wachtwoord": password, "csrf_token": token.group(1)}
        answer = await session.post("/inloggen", data=data)
        if answer.status_code != 303 or "veiligstad_sessie" not in session.cookies:
            raise SystemExit(f"login failed: {answer.status_code}")
        return dict(session.cookies.items())


def logged_in_load(
    base: str, username: str, password: str, clients: int, seconds: float, urls: list[str] = INTERNAL
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """``clients`` sessions of one account, each logged in, requesting ``urls`` round-robin."""

    async def go() -> tuple[dict[str, list[float]], dict[str, int]]:
        jars = [await log_in(base, username, password) for _ in range(clients)]
        results: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        stop = time.perf_counter() + seconds
        await asyncio.gather(*(client(base, urls, i, stop, results, errors, jars[i]) for i in range(clients)))
        return results, errors

    return asyncio.run(go())


def start_server(port: int, folder: Path, workers: int = 1) -> subprocess.Popen[bytes]:
    """``veiligstad serve`` with ``workers`` processes on a warehouse (and data folder) in ``folder``."""
    env = {
        **os.environ,
        "VEILIGSTAD_DATABASE_URL": database_url(folder),
        "VEILIGSTAD_SECRET_KEY": "benchmark",
        "XDG_DATA_HOME": str(folder),
    }
    command = [sys.executable, "-m", "veiligstad", "serve", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop the server (and its workers: uvicorn's parent stops them on SIGTERM)."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def new_data(folder: Path, mark: str) -> None:
    """A data change while the server runs, as an import makes one: the same area register
    loaded again as a new batch whose file hash is ``mark`` (``/api/v1/bronnen`` shows it)."""
    import datetime as dt

    from veiligstad.storage.warehouse import Batch, Warehouse

    with Warehouse.open(database_url(folder), wait_seconds=120) as warehouse:
        rows = warehouse.areas().to_pyarrow()
        now = dt.datetime.now(dt.UTC)
        batch = Batch(
            f"areas@{mark}",
            "areas",
            "benchmark",
            "p",
            "a",
            None,
            "areas.csv",
            mark,
            "",
            "",
            "",
            rows.num_rows,
            now,
        )
        warehouse.replace_areas(rows, batch)


def after_data_change(base: str, folder: Path, workers: int, timeout: float = 600) -> tuple[float, float]:
    """Change the data, then: the slowest of the first answers (one per worker and more: fresh
    connections, anonymous ``/programma``) and the seconds until every answer of
    ``/api/v1/bronnen`` (``2 × workers`` in a row, fresh connections) shows the new data."""
    mark = secrets.token_hex(8)
    new_data(folder, mark)
    changed = time.perf_counter()
    first = 0.0
    for _ in range(4 * workers):
        began = time.perf_counter()
        httpx.get(base + "/programma", timeout=60, headers={"Connection": "close"})
        first = max(first, time.perf_counter() - began)
    in_a_row = 0
    while time.perf_counter() - changed < timeout:
        answer = httpx.get(base + "/api/v1/bronnen", timeout=60, headers={"Connection": "close"})
        in_a_row = in_a_row + 1 if mark in answer.text else 0
        if in_a_row >= 2 * workers:
            return first, time.perf_counter() - changed
        time.sleep(0.1)
    raise SystemExit(f"the new data was not served within {timeout:.0f} s")


def wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 600) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if server.poll() is not None:
            raise SystemExit(f"server stopped: {server.stderr.read().decode() if server.stderr else ''}")
        try:
            if httpx.get(base + "/programma", timeout=5).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit("server did not come up")


class Connection:
    """One keep-alive HTTP/1.1 connection that asks GET requests as a browser tab would, with
    the session's cookies (kept up to date from ``Set-Cookie``) and the whole answer read.

    The load loop does not use httpx: on this 2-core machine its ``AsyncClient`` spent 2.6–3.7 ms
    of CPU per request, a third of what the server spent on a logged-in page, and took that
    from the server it was measuring. This client spends a tenth of that (the run prints it)."""

    def __init__(self, base: str, cookies: dict[str, str]) -> None:
        address = urlsplit(base)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.cookies = dict(cookies)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """The status of ``GET path``; the body is read and thrown away."""
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        head = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: */*\r\n"
        self.writer.write((head + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode("latin-1"))
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked, close = -1, False, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                close = value.lower() == "close"
            elif name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if chunked:
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await self.reader.readexactly(size + 2)
            while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
        elif length >= 0:
            await self.reader.readexactly(length)
        else:
            await self.reader.read()  # until the server closes
            close = True
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def client(
    base: str,
    urls: list[str],
    offset: int,
    stop: float,
    results: dict[str, list[float]],
    errors: dict[str, int],
    cookies: dict[str, str],
) -> None:
    connection = Connection(base, cookies)
    index = offset
    try:
        while index == offset or time.perf_counter() < stop:  # at least one request each
            url = urls[index % len(urls)]
            index += 1
            began = time.perf_counter()
            try:
                async with asyncio.timeout(30):
                    ok = await connection.get(url) == 200
            except (OSError, ValueError, IndexError, TimeoutError, EOFError, asyncio.LimitOverrunError):
                connection.close()  # a broken or timed-out answer: a fresh connection next time
                ok = False
            elapsed = (time.perf_counter() - began) * 1000
            if ok:
                results[url].append(elapsed)
            else:
                errors[url] += 1
    finally:
        connection.close()


def client_line(cpu: float, requests: int) -> str:
    """How much of the machine the load client itself took (it shares the cores with the server)."""
    return f"load client: {cpu:.1f} CPU-s, {1000 * cpu / max(1, requests):.2f} ms per request (incl. log-ins)"


def client_cpu() -> float:
    """CPU seconds of this process (the load client) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]
    )


def report(label: str, values: list[float], errors: int, seconds: float) -> str:
    return (
        f"{label:<72} {len(values) / seconds:7.1f} req/s  p50 {percentile(values, 50):6.1f}  "
        f"p95 {percentile(values, 95):6.1f}  p99 {percentile(values, 99):6.1f} ms  errors {errors}"
    )


async def run(
    base: str, urls: list[str], clients: int, seconds: float, cookies: dict[str, str]
) -> tuple[dict[str, list[float]], dict[str, int]]:
    results: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    stop = time.perf_counter() + seconds
    await asyncio.gather(*(client(base, urls, i, stop, results, errors, cookies) for i in range(clients)))
    return results, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--bypass-cache", action="store_true", help="render every page (no response cache)")
    parser.add_argument("--logged-in", action="store_true", help="analist sessions over the internal pages")
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    parser.add_argument("--warehouse", type=Path, help="start from a copy of this DuckDB file")
    parser.add_argument("--postgres-url", help="run on this PostgreSQL database (postgresql://…)")
    parser.add_argument(
        "--data-change", action="store_true", help="afterwards: change the data and time the answers"
    )
    args = parser.parse_args()
    if args.postgres_url:
        POSTGRES["url"] = args.postgres_url
        args.warehouse = None
    if args.logged_in:
        logged_in_main(args.clients, args.seconds, args.workers, args.data_change, args.warehouse)
        return
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    changed: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        copy_warehouse(args.warehouse, Path(tmp))
        server = start_server(port, Path(tmp), args.workers)
        try:
            startup = wait_until_up(base, server)
            print(f"server up after {startup:.1f} s ({'copied' if args.warehouse else 'fresh'} warehouse)")
            urls = PAGES + API + [BASELINE]
            warm = {url: warm_up(base, url, args.workers) for url in urls}
            cold = ", ".join(f"{u} {ms:.0f} ms" for u, (s, ms) in warm.items() if ms > 200)
            print(f"first requests over 200 ms: {cold or 'none'}")
            bad = [f"{u} -> {s}" for u, (s, _) in warm.items() if s != 200]
            if bad:
                print("NOT 200 during warm-up: " + "; ".join(bad))
            cookies = {"veiligstad_sessie": "benchmark"} if args.bypass_cache else {}
            cpu = client_cpu()
            results, errors = asyncio.run(run(base, urls, args.clients, args.seconds, cookies))
            cpu = client_cpu() - cpu
            if args.data_change:
                changed = after_data_change(base, Path(tmp), args.workers)
        finally:
            stop_server(server)
    everything = [v for url in urls if url != BASELINE for v in results[url]]
    total_errors = sum(errors[u] for u in urls if u != BASELINE)
    mode = "every page rendered (cache bypassed)" if args.bypass_cache else "anonymous (response cache on)"
    print(
        f"\n{args.clients} clients, {args.seconds:.0f} s, {len(urls)} URLs (round-robin), {mode}, "
        f"{args.workers} worker(s), {backend()}\n"
    )
    for url in urls:
        print(report(url, results[url], errors[url], args.seconds))
    print()
    print(report("ALL pages + API", everything, total_errors, args.seconds))
    print(report("BASELINE static file", results[BASELINE], errors[BASELINE], args.seconds))
    print(client_line(cpu, sum(len(v) for v in results.values()) + sum(errors.values())))
    p95 = percentile(everything, 95)
    verdict = "met" if p95 < 100 and total_errors == 0 else "NOT met"
    print(f"\nGoal p95 < 100 ms and zero errors: {verdict} (p95 {p95:.1f} ms, errors {total_errors})")
    print_change(changed)


def print_change(changed: tuple[float, float] | None) -> None:
    if changed is not None:
        first, served = changed
        print(
            f"after a data change: slowest first answer {first * 1000:.0f} ms (goal < 3 s); "
            f"new figures served by every worker after {served:.1f} s"
        )


def logged_in_main(
    clients: int, seconds: float, workers: int = 1, data_change: bool = False, warehouse: Path | None = None
) -> None:
    """The ``--logged-in`` run: a server, one analist account, ``clients`` sessions."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    changed: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        copy_warehouse(warehouse, Path(tmp))
        password = add_analist(Path(tmp))
        server = start_server(port, Path(tmp), workers)
        try:
            startup = wait_until_up(base, server)
            print(f"server up after {startup:.1f} s")
            jar = asyncio.run(log_in(base, ANALIST, password))
            warm = {u: warm_up(base, u, workers, jar)[0] for u in INTERNAL}
            bad = [f"{u} -> {s}" for u, s in warm.items() if s != 200]
            if bad:
                print("NOT 200 during warm-up: " + "; ".join(bad))
            cpu = client_cpu()
            results, errors = logged_in_load(base, ANALIST, password, clients, seconds)
            cpu = client_cpu() - cpu
            if data_change:
                changed = after_data_change(base, Path(tmp), workers)
        finally:
            stop_server(server)
    everything = [v for url in INTERNAL for v in results[url]]
    total_errors = sum(errors[u] for u in INTERNAL)
    urls = len(INTERNAL)
    print(
        f"\n{clients} analist sessions, {seconds:.0f} s, {urls} URLs (round-robin), {workers} worker(s), "
        f"{backend()}\n"
    )
    for url in INTERNAL:
        print(report(url, results[url], errors[url], seconds))
    print()
    print(report("ALL pages", everything, total_errors, seconds))
    print(client_line(cpu, len(everything) + total_errors))
    slowest = max(INTERNAL, key=lambda url: percentile(results[url], 95))
    print(f"slowest page at p95: {slowest} {percentile(results[slowest], 95):.1f} ms (goal < 1000 ms)")
    print_change(changed)


if __name__ == "__main__":
    main()
