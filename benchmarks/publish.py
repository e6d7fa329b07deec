# SPDX-License-Identifier: EUPL-1.2
"""Publish benchmark: ``veiligstad publish`` of the embedded default, twice.

A fresh warehouse with the embedded data in a temporary folder (``XDG_DATA_HOME`` and the
database URL point there, so no stored snapshot of another run is read; loading it is timed
but is not part of the publish). Then, in one new process, as a user runs it:

* **first publish** into an empty folder: the figures (computed, then stored), every URL of
  the site rendered, the links rewritten, every file written;
* **second publish** into the same folder without a data change: the figures read from the
  store, the site's key compared with the folder's and every file checked against its hash;
  nothing rendered, nothing written;
* **third publish** with ``rerender``: every URL rendered again and compared with the files;
  nothing written (left out with ``--skip-rerender``).

Printed: wall time of each, their stages (figures, check, pages, rewriting, writing), the
number of files, MB, HTML pages, URLs per second, peak memory (VmHWM from ``/proc`` of the
publishing process, and of each rendering process of each publish, sampled every 0.2 s) and
the load average of the machine before and after (the 2-core machine is shared: read the
figures with it).

Run:  uv run python benchmarks/publish.py [--workers N] [--limit N] [--output DIR] [--json FILE]
                                          [--skip-rerender]
Goal: the whole site in under 60 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

GOAL_SECONDS = 60.0
BASE_URL = "https://www.example.org/veiligheid"


def vmhwm_mb(pid: int | str = "self") -> float | None:
    """The peak resident memory of a process in MB (``VmHWM``), or ``None`` once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def load_average() -> str:
    """``1.23 0.98 0.77`` (1, 5 and 15 minutes)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class ChildPeaks(threading.Thread):
    """Samples the VmHWM of this process's children (the rendering workers) until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, float] = {}
        self.done = threading.Event()

    def children(self) -> list[int]:
        me = os.getpid()
        found = []
        for task in Path(f"/proc/{me}/task").iterdir():
            try:
                found += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
        return found

    def run(self) -> None:
        while not self.done.wait(0.2):
            for pid in self.children():
                peak = vmhwm_mb(pid)
                if peak is not None:
                    self.peaks[pid] = max(peak, self.peaks.get(pid, 0.0))


def child(args: argparse.Namespace) -> dict[str, Any]:
    """The measured process: a fresh warehouse, then two publishes."""
    from veiligstad.services import bootstrap
    from veiligstad.services.warehouses import Warehouse
    from veiligstad.settings import Settings
    from veiligstad.web.publish import publish

    url = args.database or f"duckdb://{Path(args.data) / 'veiligstad.duckdb'}"
    began = time.perf_counter()
    if not args.database:
        with Warehouse.open(url) as warehouse:
            bootstrap.initialise(warehouse)
    loaded = time.perf_counter() - began
    settings = Settings(database_url=url, secret_key="benchmark-secret-key-not-for-production")
    sampler = ChildPeaks()
    sampler.start()
    runs = []
    for rerender in (False, False) if args.skip_rerender else (False, False, True):
        before = load_average()
        sampler.peaks.clear()
        began = time.perf_counter()
        options = {"limit": args.limit, "workers": args.workers, "rerender": rerender}
        summary = publish(settings, Path(args.output), args.base_url, **options)
        seconds = time.perf_counter() - began
        runs.append(
            {
                "seconds": seconds,
                "stages": summary.stages,
                "urls": summary.urls,
                "files": summary.files,
                "pages": summary.pages,
                "bytes": summary.bytes,
                "written": summary.written,
                "unchanged": summary.unchanged,
                "workers": summary.workers,
                "not_published": summary.not_published,
                "slowest": summary.slowest[:5],
                "reused": summary.reused,
                "load_before": before,
                "load_after": load_average(),
                "worker_peaks_mb": sorted(sampler.peaks.values(), reverse=True),
            }
        )
    sampler.done.set()
    sampler.join()
    return {"load_seconds": loaded, "runs": runs, "peak_mb": vmhwm_mb()}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", help="the site folder (default: a temporary one, removed)")
    parser.add_argument("--json", help="write the figures to this file as JSON")
    parser.add_argument("--limit", type=int, help="publish only the first N URLs of the crawl")
    parser.add_argument("--workers", type=int, help="rendering processes (default: one per core)")
    parser.add_argument("--base-url", default=BASE_URL, help="--base-url of the publish")
    parser.add_argument(
        "--database", help="publish this warehouse (URL; its stored figures are read) instead of a fresh one"
    )
    parser.add_argument("--skip-rerender", action="store_true", help="leave out the third publish")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # the measured process: where to write
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        Path(args.child).write_text(json.dumps(child(args)))
        return {}
    with tempfile.TemporaryDirectory(prefix="veiligstad-publish-") as tmp:
        folder = Path(tmp)
        output = Path(args.output) if args.output else folder / "site"
        env = dict(os.environ)
        env.pop("VEILIGSTAD_DATABASE_URL", None)
        if not args.database:  # nothing stored by another run is read
            env["XDG_DATA_HOME"] = str(folder / "xdg")
        figures = folder / "figures.json"
        command = [sys.executable, __file__, "--child", str(figures), "--data", str(folder)]
        command += ["--output", str(output), "--base-url", args.base_url]
        command += ["--limit", str(args.limit)] if args.limit else []
        command += ["--workers", str(args.workers)] if args.workers else []
        command += ["--database", args.database] if args.database else []
        command += ["--skip-rerender"] if args.skip_rerender else []
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"the publish failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-6000:]}")
        result: dict[str, Any] = json.loads(figures.read_text())
    runs = result["runs"]
    first = runs[0]
    # The workers of one publish run at the same time as the publisher; those of two publishes never.
    result["total_peak_mb"] = result["peak_mb"] + max(sum(run["worker_peaks_mb"]) for run in runs)
    if not args.database:
        loaded = result["load_seconds"]
        print(f"Fresh warehouse with the embedded data: {loaded:.1f} s (not part of the publish)")
    print(f"Workers: {first['workers']}; load average before: {first['load_before']}")
    names = ("first publish", "second publish (unchanged)", "third publish (--rerender)")
    for name, run in zip(names, runs, strict=False):
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in run["stages"].items())
        print(
            f"{name}: {run['seconds']:.1f} s ({stages}); {run['urls']:,} URLs, "
            f"{run['urls'] / run['seconds']:.1f} URLs/s; written {run['written']:,}, "
            f"unchanged {run['unchanged']:,}; load average after: {run['load_after']}"
        )
    print(
        f"Site: {first['files']:,} files ({first['pages']:,} HTML pages), {first['bytes'] / 1e6:.1f} MB; "
        f"not published: {len(first['not_published'])}"
    )
    workers = first["worker_peaks_mb"]
    print(
        f"Peak memory (VmHWM): publishing process {result['peak_mb']:.0f} MB, workers of the first "
        f"publish {', '.join(f'{p:.0f}' for p in workers) or '-'} MB; at once at most "
        f"{result['total_peak_mb']:.0f} MB"
    )
    print("Slowest URLs of the first publish: " + "; ".join(f"{u} {s:.1f} s" for s, u in first["slowest"]))
    if args.limit is None:
        verdict = "met" if first["seconds"] < GOAL_SECONDS else "NOT met"
        print(f"Goal: the whole site in < {GOAL_SECONDS:.0f} s: {first['seconds']:.1f} s ({verdict}).")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
