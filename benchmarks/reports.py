# SPDX-License-Identifier: EUPL-1.2
"""Report benchmark: time to produce each report as HTML and as PDF.

A fresh warehouse in a temporary folder is loaded with the embedded data (timed, but not part
of a report). Then two measurements:

* **end to end**: ``veiligstad report KIND -o FILE`` in a new process, as a user runs it:
  Python start, imports, the snapshot (every indicator computed), the sources and analyses
  the kind needs, the document, the charts (vl-convert) and the PDF (WeasyPrint). Best of
  ``--repeat`` runs per kind and format, after one warm-up run. Python's bytecode cache is
  on for these processes (in a temporary ``PYTHONPYCACHEPREFIX``), as on a user's machine:
  an environment with ``PYTHONDONTWRITEBYTECODE=1`` recompiles every module on every start,
  which adds about 5 s here.
* **stages, in one warm process**: the snapshot once, then per kind the inputs (hotspots,
  key figures, actions), the document model, the HTML with its charts and the PDF; best of
  ``--repeat``. This is what the web page pays per report (its snapshot is already built).

Run:  uv run python benchmarks/reports.py [--repeat 3]
Goal: the full progress report PDF (end to end) in under 10 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

AREA = "WK093500"  # Wijk 00 Centrum
KINDS = ("progress", "midterm", "area", "public")
GOAL_SECONDS = 10.0


def best(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall time of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def load(url: str) -> float:
    from veiligstad.services import bootstrap
    from veiligstad.storage.warehouse import Warehouse

    start = time.perf_counter()
    with Warehouse.open(url) as warehouse:
        bootstrap.initialise(warehouse)
    return time.perf_counter() - start


def end_to_end(url: str, folder: Path, kind: str, fmt: str, runs: int) -> tuple[float, int]:
    """Best wall time of the CLI in a new process, and the size of the file."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(VEILIGSTAD_DATABASE_URL=url, PYTHONPYCACHEPREFIX=str(folder / "pycache"))
    target = folder / f"{kind}.{fmt}"
    command = [sys.executable, "-m", "veiligstad", "report", kind, "--output", str(target), "--quiet"]
    if kind == "area":
        command += ["--area", AREA]

    def run() -> None:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    run()  # warm-up: bytecode cache, fonts
    seconds, _ = best(runs, run)
    return seconds, target.stat().st_size


def stages(url: str, runs: int) -> tuple[float, dict[str, dict[str, float]]]:
    """Snapshot time, and per kind the best time of each stage in this (warm) process."""
    from veiligstad.reports import document, html, pdf
    from veiligstad.reports.model import ReportKind
    from veiligstad.services import monitor, reporting, snapshot
    from veiligstad.storage.warehouse import Warehouse

    definitions = monitor.load_definitions()
    with Warehouse.open(url) as warehouse:
        built, snap = best(1, lambda: snapshot.build(warehouse, definitions, 5))
        out: dict[str, dict[str, float]] = {}
        for name in KINDS:
            kind = ReportKind(name)
            gathered, inputs = best(
                runs,
                lambda kind=kind: reporting.gather(
                    warehouse,
                    snap,
                    2024,
                    hotspots=kind is ReportKind.MIDTERM,
                    context=kind is ReportKind.AREA,
                ),
            )
            area = AREA if kind is ReportKind.AREA else None
            built_doc, report = best(
                runs, lambda kind=kind, inputs=inputs, area=area: document.build(kind, inputs, area=area)
            )
            rendered, text = best(runs, lambda report=report: html.render(report))
            printed, data = best(runs, lambda report=report, text=text: pdf.render(report, text))
            out[name] = {
                "inputs": gathered,
                "document": built_doc,
                "html": rendered,
                "pdf": printed,
                "charts": float(len(report.charts())),
                "pdf_kb": len(data) / 1024,
            }
    return built, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="veiligstad-reports-") as tmp:
        folder = Path(tmp)
        url = f"duckdb://{folder / 'veiligstad.duckdb'}"
        print(f"Fresh warehouse with the embedded data: {load(url):.1f} s (not part of a report)")

        print(f"\nEnd to end (`veiligstad report KIND -o FILE`, new process, best of {args.repeat}):")
        print(f"{'report':<10} {'HTML s':>8} {'PDF s':>8} {'PDF kB':>8}")
        goal = None
        for kind in KINDS:
            html_s, _ = end_to_end(url, folder, kind, "html", args.repeat)
            pdf_s, size = end_to_end(url, folder, kind, "pdf", args.repeat)
            goal = pdf_s if kind == "progress" else goal
            print(f"{kind:<10} {html_s:>8.2f} {pdf_s:>8.2f} {size / 1024:>8.0f}")

        snapshot_s, found = stages(url, args.repeat)
        print(f"\nStages in one warm process (snapshot once: {snapshot_s:.2f} s; best of {args.repeat}):")
        heads = ("inputs", "model", "HTML", "PDF", "charts")
        print(
            f"{'report':<10} " + " ".join(f"{h:>7}" for h in heads) + f" {'HTML total':>11} {'PDF total':>10}"
        )
        for kind, t in found.items():
            html_total = t["inputs"] + t["document"] + t["html"]
            print(
                f"{kind:<10} {t['inputs']:>7.2f} {t['document']:>7.2f} {t['html']:>7.2f} {t['pdf']:>7.2f} "
                f"{int(t['charts']):>7} {html_total:>11.2f} {html_total + t['pdf']:>10.2f}"
            )
        assert goal is not None
        verdict = "met" if goal < GOAL_SECONDS else "NOT met"
        print(f"\nGoal: progress report PDF end to end < {GOAL_SECONDS:.0f} s: {goal:.2f} s ({verdict}).")


if __name__ == "__main__":
    main()
