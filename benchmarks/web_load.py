# SPDX-License-Identifier: EUPL-1.2
"""Web load benchmark: 20 concurrent clients for 30 s over the main pages and the API.

Starts ``veiligstad serve`` as a separate process on a free loopback port with a fresh
warehouse (the embedded data, loaded at start), waits until it answers, warms every URL
once, then runs ``--clients`` asyncio clients that each request the URLs round-robin
(from a different offset) for ``--seconds``. Prints requests/s, p50/p95/p99 latency and the
error count (any status other than 200 or a transport error) overall and per URL.

``--bypass-cache`` sends a (meaningless) session cookie, so the whole-response cache for
anonymous visitors is skipped and every request renders its page from the snapshot: the
figure for logged-in users and for the first visitor after a data change.

``--logged-in`` runs the clients as 20 analist sessions (one account, each client logged in
through the real login form, so every session is a real signed cookie with the account's
session generation) over the internal pages and a few public ones (rendered for every
request: the page cache is for anonymous visitors only), and prints p50/p95 per page. The
same code runs at a tiny scale in ``tests/security/test_sessions.py`` (``logged_in_load``).

Baseline in the same run: ``/static/style.css`` (a static file through the same server
and middleware): the floor of this machine and server, so the page figures can be read
against it on a noisy shared machine.

Run:  uv run python benchmarks/web_load.py [--clients 20] [--seconds 30] [--bypass-cache | --logged-in]
Goal: p95 under 100 ms and zero errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_analist(folder: Path) -> str:
    """Create the benchmark's analist account in the (new) warehouse; returns its password."""
    from veiligstad.domain.accounts import Role
    from veiligstad.services import accounts
    from veiligstad.storage.warehouse import Warehouse

    password = secrets.token_urlsafe(18)
    with Warehouse.open(f"duckdb://{folder / 'veiligstad.duckdb'}") as warehouse:
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


def start_server(port: int, folder: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "VEILIGSTAD_DATABASE_URL": f"duckdb://{folder / 'veiligstad.duckdb'}",
        "VEILIGSTAD_SECRET_KEY": "benchmark",
    }
    command = [sys.executable, "-m", "veiligstad", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


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


async def client(
    base: str,
    urls: list[str],
    offset: int,
    stop: float,
    results: dict[str, list[float]],
    errors: dict[str, int],
    cookies: dict[str, str],
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, cookies=cookies) as session:
        index = offset
        while index == offset or time.perf_counter() < stop:  # at least one request each
            url = urls[index % len(urls)]
            index += 1
            began = time.perf_counter()
            try:
                response = await session.get(url)
                ok = response.status_code == 200
            except httpx.TransportError:
                ok = False
            elapsed = (time.perf_counter() - began) * 1000
            if ok:
                results[url].append(elapsed)
            else:
                errors[url] += 1


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
    args = parser.parse_args()
    if args.logged_in:
        logged_in_main(args.clients, args.seconds)
        return
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(port, Path(tmp))
        try:
            startup = wait_until_up(base, server)
            print(f"server up after {startup:.1f} s (fresh warehouse: embedded data loaded at start)")
            urls = PAGES + API + [BASELINE]
            warm = {}
            for url in urls:
                began = time.perf_counter()
                status = httpx.get(base + url, timeout=120).status_code
                warm[url] = (status, (time.perf_counter() - began) * 1000)
            cold = ", ".join(f"{u} {ms:.0f} ms" for u, (s, ms) in warm.items() if ms > 200)
            print(f"first requests over 200 ms: {cold or 'none'}")
            bad = [f"{u} -> {s}" for u, (s, _) in warm.items() if s != 200]
            if bad:
                print("NOT 200 during warm-up: " + "; ".join(bad))
            cookies = {"veiligstad_sessie": "benchmark"} if args.bypass_cache else {}
            results, errors = asyncio.run(run(base, urls, args.clients, args.seconds, cookies))
        finally:
            server.terminate()
            server.wait(timeout=30)
    everything = [v for url in urls if url != BASELINE for v in results[url]]
    total_errors = sum(errors[u] for u in urls if u != BASELINE)
    mode = "every page rendered (cache bypassed)" if args.bypass_cache else "anonymous (response cache on)"
    print(f"\n{args.clients} clients, {args.seconds:.0f} s, {len(urls)} URLs (round-robin), {mode}\n")
    for url in urls:
        print(report(url, results[url], errors[url], args.seconds))
    print()
    print(report("ALL pages + API", everything, total_errors, args.seconds))
    print(report("BASELINE static file", results[BASELINE], errors[BASELINE], args.seconds))
    p95 = percentile(everything, 95)
    verdict = "met" if p95 < 100 and total_errors == 0 else "NOT met"
    print(f"\nGoal p95 < 100 ms and zero errors: {verdict} (p95 {p95:.1f} ms, errors {total_errors})")


def logged_in_main(clients: int, seconds: float) -> None:
    """The ``--logged-in`` run: a server, one analist account, ``clients`` sessions."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        password = add_analist(Path(tmp))
        server = start_server(port, Path(tmp))
        try:
            startup = wait_until_up(base, server)
            print(f"server up after {startup:.1f} s")
            jar = asyncio.run(log_in(base, ANALIST, password))
            warm = {u: httpx.get(base + u, cookies=jar, timeout=300).status_code for u in INTERNAL}
            bad = [f"{u} -> {s}" for u, s in warm.items() if s != 200]
            if bad:
                print("NOT 200 during warm-up: " + "; ".join(bad))
            results, errors = logged_in_load(base, ANALIST, password, clients, seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    everything = [v for url in INTERNAL for v in results[url]]
    total_errors = sum(errors[u] for u in INTERNAL)
    print(f"\n{clients} analist sessions, {seconds:.0f} s, {len(INTERNAL)} URLs (round-robin)\n")
    for url in INTERNAL:
        print(report(url, results[url], errors[url], seconds))
    print()
    print(report("ALL pages", everything, total_errors, seconds))


if __name__ == "__main__":
    main()
