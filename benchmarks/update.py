# SPDX-License-Identifier: EUPL-1.2
"""Benchmark ``veiligstad update`` against a local recorded-format OData server, national scale.

The server (``RecordedServer``, a threaded ``http.server`` on a free local port, in its own
process) serves 47018NED as dataderden.cbs.nl does: the v3 envelope, ``TableInfos``,
``DataProperties`` with ``_<n>`` topic keys, the ``Perioden`` and ``SoortMisdrijf`` lists,
and ``TypedDataSet`` with padded keys, JSON numbers, ``null`` for withheld cells and
``odata.nextLink`` paging (10,000 rows a page, ``$skip``). The figures are generated from
``--seed``: every buurt of the CBS 2024 population file (``--scale 0.01`` keeps every
100th) with its wijk and gemeente, × the 59 crime-type codes × 2012–2023. At scale 1 that
is 12.9 million observations.

Three runs, each in a fresh process (its own peak RSS, ``VmHWM``) and a fresh DuckDB file:

* ``update --all``: ``services.update`` for the whole country, one source (streamed pages →
  Arrow → one ``replace_source``).
* ``import cbs`` (baseline): the existing per-table path (``cbs_import.import_table``: rows as
  a list of dicts → pandas → Arrow) for the first ``--gemeenten`` gemeenten, one by one.
* ``update per gemeente``: ``services.update`` for the same gemeenten, one by one.

Each run checks what it stored against the generator (row count, withheld cells, the sum of
all values); a mismatch exits with code 1.

    uv run python benchmarks/update.py                      # scale 1: 12.9 M observations
    uv run python benchmarks/update.py --scale 0.05 --gemeenten 20
    uv run python benchmarks/update.py --scale 0.002 --gemeenten 1 --in-process   # the test's check
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
POPULATION_CSV = ROOT / "src/veiligstad/data/embedded/observations/cbs_85984ned_inwoners_buurten_2024.csv"
TABLE = "47018NED"
YEARS = tuple(range(2012, 2024))
PAGE_SIZE = 10_000
_PERIOD = re.compile(r"Perioden eq '(\d{4}JJ00)'")
_REGION = re.compile(r"substring\(WijkenEnBuurten,2,4\) eq '(\d{4})'")


# --------------------------------------------------------------------------- the data


def crime_codes() -> list[str]:
    """The 59 SoortMisdrijf codes of the table definition (as the server lists them)."""
    sys.path.insert(0, str(ROOT / "src"))
    from veiligstad.sources.cbs_odata import load_definition

    return list(load_definition(TABLE).code_lists[0].codes)


def areas(scale: float) -> list[str]:
    """Every 1/scale-th buurt of the 2024 population file, their wijken and gemeenten, sorted."""
    with POPULATION_CSV.open(encoding="utf-8") as handle:
        buurten = sorted({row["area_code"] for row in csv.DictReader(handle)})
    # Evenly spread: buurt i is kept when i × scale crosses a whole number.
    chosen = [b for i, b in enumerate(buurten) if int((i + 1) * scale) > int(i * scale)]
    wijken = {f"WK{b[2:8]}" for b in chosen}
    gemeenten = {f"GM{b[2:6]}" for b in chosen}
    return sorted(gemeenten) + sorted(wijken) + chosen


def value(seed: int, year: int, code_index: int, area_index: int) -> int | None:
    """A deterministic count from the seed; about 1 in 53 cells is withheld (``None``)."""
    x = (seed * 1_000_003 + year * 7_919 + code_index * 104_729 + area_index * 2_654_435_761) & 0xFFFFFFFF
    x = (x ^ (x >> 13)) * 0x5BD1E995 & 0xFFFFFFFF
    x ^= x >> 15
    if x % 53 == 0:
        return None
    return x % (400 if code_index == 0 else 40)


def values(seed: int, year: np.ndarray, code_index: np.ndarray, area_index: np.ndarray) -> np.ndarray:
    """``value`` for many cells at once (the server's pages): -1 where a cell is withheld."""
    with np.errstate(over="ignore"):
        x = (
            np.uint64(seed * 1_000_003)
            + year.astype(np.uint64) * np.uint64(7_919)
            + code_index.astype(np.uint64) * np.uint64(104_729)
            + area_index.astype(np.uint64) * np.uint64(2_654_435_761)
        ) & np.uint64(0xFFFFFFFF)
        x = ((x ^ (x >> np.uint64(13))) * np.uint64(0x5BD1E995)) & np.uint64(0xFFFFFFFF)
        x ^= x >> np.uint64(15)
    result = (x % np.where(code_index == 0, np.uint64(400), np.uint64(40))).astype(np.int64)
    result[x % np.uint64(53) == 0] = -1
    return result


@dataclass
class Expected:
    """What a complete load of a set of areas must hold."""

    rows: int
    withheld: int
    total: float


def expected(seed: int, all_areas: list[str], codes: list[str], gemeenten: set[str] | None) -> Expected:
    rows = withheld = 0
    total = 0.0
    for a, area in enumerate(all_areas):
        if gemeenten is not None and f"GM{area[2:6]}" not in gemeenten:
            continue
        for c in range(len(codes)):
            for year in YEARS:
                v = value(seed, year, c, a)
                rows += 1
                if v is None:
                    withheld += 1
                else:
                    total += v
    return Expected(rows, withheld, total)


# --------------------------------------------------------------------------- the server


def _envelope(base: str, resource_name: str, rows: list[dict[str, Any]]) -> bytes:
    payload = {"odata.metadata": f"{base}{TABLE}/$metadata#Cbs.OData.WebAPI.{resource_name}", "value": rows}
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _topic(i: int, key: str, title: str, unit: str, datatype: str) -> dict[str, Any]:
    return {
        "odata.type": "Cbs.OData.Topic",
        "ID": i,
        "Position": i,
        "ParentID": None,
        "Type": "Topic",
        "Key": key,
        "Title": title,
        "Description": None,
        "Unit": unit,
        "Decimals": 0,
        "Datatype": datatype,
        "Default": "Missing",
    }


def _dimension(i: int, typ: str, key: str, title: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "odata.type": f"Cbs.OData.{typ}",
        "ID": i,
        "Position": i,
        "ParentID": None,
        "Type": typ,
        "Key": key,
        "Title": title,
        "Description": None,
    }
    if typ == "TimeDimension":
        row["ReleasePolicy"] = True
    return row


class RecordedServer:
    """A local OData v3 server in the recorded wire format of 47018NED, figures from a seed."""

    def __init__(self, scale: float, seed: int, page_size: int = PAGE_SIZE) -> None:
        self.seed = seed
        self.page_size = page_size
        self.codes = crime_codes()
        self.areas = areas(scale)
        self.by_gemeente: dict[str, list[int]] = {}
        for index, area in enumerate(self.areas):
            self.by_gemeente.setdefault(area[2:6], []).append(index)
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Pre-rendered JSON fragments: padded keys exactly as the server pads them.
        self._area_json = [json.dumps(a.ljust(10)) for a in self.areas]
        self._code_json = [json.dumps(c.ljust(6)) for c in self.codes]

    # ---- resources

    def resource(self, path: str, query: dict[str, str], base: str) -> bytes | None:
        parts = [p for p in path.split("/") if p]
        if not parts:
            return json.dumps(
                {"odata.metadata": f"{base}$metadata", "value": [{"name": TABLE, "url": f"{base}{TABLE}"}]}
            ).encode()
        if len(parts) != 2 or parts[0].upper() != TABLE:
            return None
        name = parts[1]
        if name == "TableInfos":
            info = {
                "ID": 0,
                "Title": "Geregistreerde misdrijven; soort misdrijf, wijk, buurt, jaarcijfers",
                "Identifier": TABLE,
                "Modified": "2024-03-01T02:00:00",
                "ExplanatoryText": "Benchmarkdata: gegenereerde cijfers (seed), indeling 2024.",
                "Frequency": "Perjaar",
                "Period": "2012-2023",
                "Catalog": "Politie",
            }
            return _envelope(base, name, [info])
        if name == "DataProperties":
            props = [
                _dimension(0, "Dimension", "SoortMisdrijf", "Soort misdrijf"),
                _dimension(1, "GeoDimension", "WijkenEnBuurten", "Wijken en buurten"),
                _dimension(2, "TimeDimension", "Perioden", "Perioden"),
                _topic(3, "GeregistreerdeMisdrijven_1", "Geregistreerde misdrijven", "aantal", "Long"),
            ]
            return _envelope(base, name, props)
        if name == "Perioden":
            rows = [
                {"Key": f"{y}JJ00", "Title": str(y), "Description": None, "Status": "Definitief"}
                for y in YEARS
            ]
            return _envelope(base, name, rows)
        if name == "SoortMisdrijf":
            rows = [
                {"Key": c.ljust(6), "Title": c, "Description": None, "CategoryGroupID": None}
                for c in self.codes
            ]
            return _envelope(base, name, rows)
        if name == "TypedDataSet":
            return self.dataset(query, base)
        return None

    def dataset(self, query: dict[str, str], base: str) -> bytes:
        text = query.get("$filter", "")
        periods = _PERIOD.findall(text) or [f"{y}JJ00" for y in YEARS]
        region = _REGION.search(text)
        indices = self.by_gemeente.get(region.group(1), []) if region else range(len(self.areas))
        n_areas = len(indices)
        total = len(periods) * len(self.codes) * n_areas
        skip = int(query.get("$skip", "0") or 0)
        end = min(total, skip + self.page_size)
        # Vectorised (numpy): the server runs beside the measured process on the same cores, so
        # its cost per page is kept small (about a third of the per-row loop's).
        ids = np.arange(skip, max(skip, end), dtype=np.int64)
        p, rest = np.divmod(ids, len(self.codes) * n_areas)
        c, a = np.divmod(rest, n_areas)
        area = np.asarray(indices, dtype=np.int64)[a] if n_areas else a
        years = np.array([int(period[:4]) for period in periods], dtype=np.int64)
        cells = values(self.seed, years[p], c, area)
        shown = ["null" if v < 0 else str(v) for v in cells.tolist()]
        codes, areas_json = self._code_json, self._area_json
        parts = [
            f'{{"ID":{i},"SoortMisdrijf":{codes[ci]},"WijkenEnBuurten":{areas_json[ai]},'
            f'"Perioden":"{periods[pi]}","GeregistreerdeMisdrijven_1":{v}}}'
            for i, ci, ai, pi, v in zip(
                ids.tolist(), c.tolist(), area.tolist(), p.tolist(), shown, strict=True
            )
        ]
        head = f'{{"odata.metadata":"{base}{TABLE}/$metadata#Cbs.OData.WebAPI.TypedDataSet","value":['
        tail = "]"
        if end < total:
            options = {k: v for k, v in query.items() if k != "$skip"}
            options["$skip"] = str(end)
            link = f"{base}{TABLE}/TypedDataSet?" + urlencode(options, quote_via=quote, safe="$,()'")
            tail += f',"odata.nextLink":{json.dumps(link)}'
        return (head + ",".join(parts) + tail + "}").encode("utf-8")

    # ---- serving

    def start(self, port: int = 0) -> int:
        """Serve on 127.0.0.1 in a daemon thread; the port."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
                host = self.headers.get("Host", "127.0.0.1")
                owner.requests.append(self.path)
                body = owner.resource(split.path, query, f"http://{host}/")
                status = 200 if body is not None else 404
                if body is None:
                    body = b'{"odata.error":{"message":{"value":"Resource not found"}}}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json;odata=minimalmetadata;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return int(self._server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _serve(scale: float, seed: int, pipe: Any) -> None:
    server = RecordedServer(scale, seed)
    pipe.send(server.start())
    threading.Event().wait()


# --------------------------------------------------------------------------- runs


def _status_mb(key: str) -> float:
    """``VmHWM`` (peak) or ``VmRSS`` (now) of this process from ``/proc/self/status``, in MB.

    Not ``ru_maxrss``: Linux keeps that across ``exec``, so a child would report its parent's
    peak when that was higher. Without ``/proc`` (not Linux): ``ru_maxrss``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(impl: str, port: int, database: Path, gemeenten: list[str]) -> None:
    """One run in this process; prints a JSON line."""
    print(json.dumps(measure(impl, port, database, gemeenten)))


def measure(impl: str, port: int, database: Path, gemeenten: list[str]) -> dict[str, Any]:
    """One run in this process: its figures and what it stored."""
    sys.path.insert(0, str(ROOT / "src"))
    from veiligstad.services import cbs_import, monitor, update
    from veiligstad.sources.cbs_odata import ODataClient, load_definition
    from veiligstad.storage.warehouse import Warehouse

    base = f"http://127.0.0.1:{port}/"
    definitions = monitor.load_definitions()
    with Warehouse.open(f"duckdb://{database}") as warehouse, ODataClient(base, max_pages=100_000) as client:
        warehouse.ensure_schema()
        start_mb = _status_mb("VmRSS")
        load_start = os.getloadavg()[0]
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_start = usage.ru_utime + usage.ru_stime
        started = time.perf_counter()
        if impl == "update-all":
            plan = update.make_plan(definitions, lambda _d: client, lambda _s: {}, None, tables=[TABLE])
            report = update.run_update(plan, warehouse, lambda _d: client)
            failed = [t for t in report.tables if t.outcome != "geladen"]
            if failed:
                raise SystemExit(f"update failed: {failed}")
        elif impl == "update-gemeenten":
            for code in gemeenten:
                plan = update.make_plan(definitions, lambda _d: client, lambda _s: {}, code, tables=[TABLE])
                report = update.run_update(plan, warehouse, lambda _d: client)
                if report.tables[0].outcome != "geladen":
                    raise SystemExit(f"update {code} failed: {report.tables[0]}")
        else:
            definition = load_definition(TABLE)
            for code in gemeenten:
                cbs_import.import_table(warehouse, definition, code, None, client)
        seconds = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime - cpu_start
        obs = warehouse.observations()
        stats = obs.aggregate(
            rows=obs.count(), withheld=obs.value.isnull().sum(), total=obs.value.sum()
        ).to_pandas()
    return {
        "impl": impl,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb": _status_mb("VmHWM"),
        "start_mb": start_mb,
        "load": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "rows": int(stats["rows"].iloc[0]),
        "withheld": int(stats["withheld"].iloc[0]),
        "total": float(stats["total"].iloc[0]),
    }


def spawn(impl: str, port: int, tmp: Path, gemeenten: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", impl, "--port", str(port)]
    cmd += ["--database", str(tmp / f"{impl}.duckdb"), "--only", ",".join(gemeenten)]
    print(f"running {impl} ...", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{impl} failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0, help="share of buurten (1.0 = all 14,574)")
    p.add_argument("--seed", type=int, default=20240101)
    p.add_argument("--gemeenten", type=int, default=10, help="gemeenten for the per-gemeente runs")
    p.add_argument("--skip-baseline", action="store_true", help="only the national update run")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="server thread and every run in this process (the test's quick check; figures and peaks "
        "are not comparable: the server shares the process and the peak accumulates)",
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--only", default="", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child, args.port, args.database, [g for g in args.only.split(",") if g])
        return

    all_areas = areas(args.scale)
    codes = crime_codes()
    gemeenten = sorted({a for a in all_areas if a.startswith("GM")})[: args.gemeenten]
    stop: Callable[[], None]
    if args.in_process:  # no interpreter start-ups besides this one
        local = RecordedServer(args.scale, args.seed)
        port = local.start()
        stop = local.stop
    else:
        context = multiprocessing.get_context("spawn")
        receive, send = context.Pipe(duplex=False)
        server = context.Process(target=_serve, args=(args.scale, args.seed, send), daemon=True)
        server.start()
        port = receive.recv()

        def stop() -> None:
            server.terminate()
            server.join()

    runs: list[dict[str, Any]] = []
    failures = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            plan = [("update-all", None)]
            if not args.skip_baseline:
                plan += [("import-cbs-gemeenten", gemeenten), ("update-gemeenten", gemeenten)]
            for impl, only in plan:
                if args.in_process:
                    run = measure(impl, port, tmp / f"{impl}.duckdb", only or [])
                else:
                    run = spawn(impl, port, tmp, only or [])
                want = expected(args.seed, all_areas, codes, set(only) if only else None)
                run["expected_rows"] = want.rows
                run["ok"] = (
                    run["rows"] == want.rows
                    and run["withheld"] == want.withheld
                    and abs(run["total"] - want.total) < 0.5
                )
                if not run["ok"]:
                    failures.append(
                        f"{impl}: stored {run['rows']} rows/{run['withheld']} withheld, expected {want}"
                    )
                run["obs_per_s"] = run["rows"] / run["seconds"] if run["seconds"] else 0.0
                runs.append(run)
    finally:
        stop()
    if args.json:
        print(json.dumps({"scale": args.scale, "seed": args.seed, "areas": len(all_areas), "runs": runs}))
    else:
        shape = f"{len(all_areas):,} areas × {len(codes)} codes × {len(YEARS)} years"
        print(f"scale {args.scale:g}, seed {args.seed}: {shape}")
        print(
            "| run | observations | wall s | obs/s (wall) | CPU s | obs/CPU-s | peak RSS MB | load "
            "| checked |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
        for run in runs:
            per_cpu = run["rows"] / run["cpu_seconds"] if run["cpu_seconds"] else 0.0
            print(
                f"| {run['impl']} | {run['rows']:,} | {run['seconds']:.2f} | {run['obs_per_s']:,.0f} | "
                f"{run['cpu_seconds']:.2f} | {per_cpu:,.0f} | {run['peak_mb']:,.0f} | "
                f"{run['load'][0]:.1f}–{run['load'][1]:.1f} | {'ok' if run['ok'] else 'MISMATCH'} |"
            )
    if failures:
        print("\n".join(failures), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
