# SPDX-License-Identifier: EUPL-1.2
"""Benchmark how long CLI commands take, each as a fresh process, as a user runs them.

Commands (each ``--repeat`` times, after one untimed warm-up run): ``python -c pass`` (the
interpreter alone, the baseline of this run), ``veiligstad --help``, ``veiligstad status``,
``veiligstad indicator <id>`` and ``veiligstad sources``. The warehouse is a fresh DuckDB
file in a temporary folder, loaded with the embedded data by ``veiligstad init`` before
timing (not timed); ``--database PATH`` reuses a file instead. Every timed run must exit 0
(otherwise this exits 1). Reported: median, min and max wall seconds, and the median above
the baseline. Goals (issue 13): ``--help`` < 0.5 s, ``status`` and ``indicator`` < 1.5 s.

    uv run python benchmarks/cli_startup.py                 # 5 repeats
    uv run python benchmarks/cli_startup.py --repeat 3 --commands help status
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: Name → arguments after ``python -m veiligstad`` (``None``: the bare interpreter).
COMMANDS: dict[str, list[str] | None] = {
    "baseline": None,
    "help": ["--help"],
    "status": ["status"],
    "indicator": ["indicator", "schaalscore-hic"],
    "sources": ["sources"],
}
GOALS = {"help": 0.5, "status": 1.5, "indicator": 1.5}


@dataclass(frozen=True)
class Timing:
    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def argv(name: str) -> list[str]:
    """The command line of one benchmarked command."""
    args = COMMANDS[name]
    if args is None:
        return [sys.executable, "-c", "pass"]
    return [sys.executable, "-m", "veiligstad", *args]


def run_once(name: str, env: dict[str, str], timeout: float) -> float:
    """Wall seconds of one run in a fresh process; raises when it fails."""
    start = time.perf_counter()
    done = subprocess.run(argv(name), env=env, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{name} exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return seconds


def measure(names: list[str], env: dict[str, str], repeat: int, timeout: float) -> list[Timing]:
    """Each command once untimed (warm caches), then ``repeat`` timed runs, interleaved so that
    a burst of load on the shared machine hits every command alike."""
    for name in names:
        run_once(name, env, timeout)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeat):
        for name in names:
            seconds[name].append(run_once(name, env, timeout))
    return [Timing(name, seconds[name]) for name in names]


def prepare(database: Path | None, folder: Path, timeout: float) -> dict[str, str]:
    """The environment of every run; a fresh warehouse loaded with ``veiligstad init``."""
    path = database or folder / "veiligstad.duckdb"
    env = {**os.environ, "VEILIGSTAD_DATABASE_URL": f"duckdb://{path.resolve()}"}
    env.pop("VEILIGSTAD_PROGRAMME", None)
    env.pop("VEILIGSTAD_CATALOGUE", None)
    done = subprocess.run(
        [sys.executable, "-m", "veiligstad", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"init exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return env


def table(timings: list[Timing]) -> str:
    """A Markdown table of the results."""
    baseline = next((t.median for t in timings if t.name == "baseline"), 0.0)
    lines = [
        "| command | median s | min s | max s | median above baseline s | goal s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in timings:
        goal = GOALS.get(t.name)
        verdict = "" if goal is None else f"< {goal} ({'met' if t.median < goal else 'not met'})"
        lines.append(
            f"| {' '.join(argv(t.name)[1:]) if t.name != 'baseline' else 'python -c pass'} "
            f"| {t.median:.2f} | {min(t.seconds):.2f} | {max(t.seconds):.2f} "
            f"| {t.median - baseline:.2f} | {verdict} |"
        )
    return "\n".join(lines)


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--commands", nargs="+", choices=[n for n in COMMANDS if n != "baseline"])
    parser.add_argument("--database", type=Path, help="an existing DuckDB warehouse to reuse")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run (default 120)")
    parser.add_argument("--json", action="store_true", help="print the raw timings as JSON")
    args = parser.parse_args(arguments)
    names = ["baseline", *(args.commands or [n for n in COMMANDS if n != "baseline"])]
    with tempfile.TemporaryDirectory(prefix="veiligstad-cli-") as folder:
        try:
            env = prepare(args.database, Path(folder), args.timeout)
            timings = measure(names, env, max(1, args.repeat), args.timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            sys.stderr.write(f"{exc}\n")
            return 1
    if args.json:
        sys.stdout.write(json.dumps({t.name: t.seconds for t in timings}, indent=2) + "\n")
    else:
        sys.stdout.write(table(timings) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
