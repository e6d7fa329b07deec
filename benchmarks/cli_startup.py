# SPDX-License-Identifier: EUPL-1.2
"""Benchmark how long CLI commands take, each as a fresh process, as a user runs them.

Commands (each ``--repeat`` times, interleaved, after one untimed warm-up run each):
``python -c pass`` (the interpreter alone, the baseline of this run), ``veiligstad --help``,
``veiligstad status``, ``veiligstad indicator misdrijven-totaal`` and ``veiligstad sources``.
The warehouse is a fresh DuckDB file in a temporary folder, loaded with the embedded data by
``veiligstad init`` before timing (not timed); ``--database PATH`` reuses a file instead.
Every timed run must exit 0 (otherwise this exits 1).

*Warm* (the default) is what a user sees from the second run on: the warm-up run has stored
the snapshot and the answers of this data state (``services.answers``). With ``--cold`` each
timed run of ``status`` and ``indicator`` first removes what is stored beside the warehouse
(``<file>.snapshots/``), so it computes everything, as the first run after a data change does.

Reported per command: wall seconds (median, min, max), the CPU seconds of the child process
(user + system, median: steadier than wall time on a shared machine), the median above the
baseline, and the load average before and after (read the figures with it: on 2 cores a load
of 6 stretches wall times about threefold). Goals (issue 13): ``--help`` < 0.5 s, ``status``
and ``indicator`` < 1.5 s warm.

Python's bytecode cache: an installed package has (or writes on first use) compiled ``.pyc``
files. This sandbox sets ``PYTHONDONTWRITEBYTECODE=1`` and its virtual environment has none,
so every process compiles every imported module from source (3-5x slower starts). The
default ``--bytecode cached`` gives the children a private cache (``PYTHONPYCACHEPREFIX`` in
the temporary folder, filled by the warm-up runs) and lets them write it; ``--bytecode none``
keeps the environment as it is.

    uv run python benchmarks/cli_startup.py                 # 5 repeats, warm
    uv run python benchmarks/cli_startup.py --repeat 3 --commands help status
    uv run python benchmarks/cli_startup.py --cold --repeat 3 --commands status indicator
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Name → arguments after ``python -m veiligstad`` (``None``: the bare interpreter).
COMMANDS: dict[str, list[str] | None] = {
    "baseline": None,
    "help": ["--help"],
    "status": ["status"],
    "indicator": ["indicator", "misdrijven-totaal"],
    "sources": ["sources"],
}
GOALS = {"help": 0.5, "status": 1.5, "indicator": 1.5}
#: The commands that read the stored snapshot and answers (``--cold`` removes them first).
STORED = ("status", "indicator")


@dataclass(frozen=True)
class Timing:
    name: str
    seconds: list[float]
    #: CPU seconds (user + system) of each run's process
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")


def argv(name: str) -> list[str]:
    """The command line of one benchmarked command."""
    args = COMMANDS[name]
    if args is None:
        return [sys.executable, "-c", "pass"]
    return [sys.executable, "-m", "veiligstad", *args]


def run_once(name: str, env: dict[str, str], timeout: float) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child, from ``wait4``) of one run in a fresh
    process; raises when it fails or takes longer than ``timeout``."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv(name), env=env, stdout=subprocess.DEVNULL, stderr=err)
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if seconds >= timeout:
            raise subprocess.TimeoutExpired(argv(name), timeout)
        if child.returncode != 0:
            err.seek(0)
            text = err.read().decode(errors="replace").strip()[-400:]
            raise RuntimeError(f"{name} exited {child.returncode}: {text}")
    return seconds, usage.ru_utime + usage.ru_stime


def forget_stored(env: dict[str, str]) -> None:
    """Remove the stored snapshots and answers of the warehouse (``--cold``)."""
    path = Path(env["VEILIGSTAD_DATABASE_URL"].removeprefix("duckdb://"))
    shutil.rmtree(path.parent / f"{path.name}.snapshots", ignore_errors=True)


def measure(
    names: list[str], env: dict[str, str], repeat: int, timeout: float, cold: bool = False
) -> list[Timing]:
    """Each command once untimed (warm caches), then ``repeat`` timed runs, interleaved so that
    a burst of load on the shared machine hits every command alike."""
    for name in names:
        run_once(name, env, timeout)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeat):
        for name in names:
            if cold and name in STORED:
                forget_stored(env)
            wall, used = run_once(name, env, timeout)
            seconds[name].append(wall)
            cpu[name].append(used)
    return [Timing(name, seconds[name], cpu[name]) for name in names]


def prepare(
    database: Path | None, folder: Path, timeout: float, bytecode: str = "cached", init: bool = True
) -> dict[str, str]:
    """The environment of every run; a fresh warehouse loaded with ``veiligstad init`` (with
    ``init=False`` the ``database`` is used as it is)."""
    path = database or folder / "veiligstad.duckdb"
    env = {**os.environ, "VEILIGSTAD_DATABASE_URL": f"duckdb://{path.resolve()}"}
    env.pop("VEILIGSTAD_PROGRAMME", None)
    env.pop("VEILIGSTAD_CATALOGUE", None)
    if bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    if not init:
        return env
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


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def table(timings: list[Timing], cold: bool = False) -> str:
    """A Markdown table of the results (the goals are for warm runs: none shown when ``cold``)."""
    baseline = next((t.median for t in timings if t.name == "baseline"), 0.0)
    lines = [
        "| command | wall median s | min s | max s | CPU median s | wall above baseline s | goal s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in timings:
        goal = None if cold else GOALS.get(t.name)
        verdict = "" if goal is None else f"< {goal} ({'met' if t.median < goal else 'not met'})"
        lines.append(
            f"| {' '.join(argv(t.name)[1:]) if t.name != 'baseline' else 'python -c pass'} "
            f"| {t.median:.2f} | {min(t.seconds):.2f} | {max(t.seconds):.2f} | {t.cpu_median:.2f} "
            f"| {t.median - baseline:.2f} | {verdict} |"
        )
    return "\n".join(lines)


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per command (default 5)")
    parser.add_argument("--commands", nargs="+", choices=[n for n in COMMANDS if n != "baseline"])
    parser.add_argument("--database", type=Path, help="an existing DuckDB warehouse to reuse")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run (default 120)")
    parser.add_argument("--cold", action="store_true", help="status and indicator with nothing stored")
    parser.add_argument(
        "--bytecode", choices=("cached", "none"), default="cached", help="Python bytecode cache (see above)"
    )
    parser.add_argument("--json", action="store_true", help="print the raw timings as JSON")
    args = parser.parse_args(arguments)
    names = ["baseline", *(args.commands or [n for n in COMMANDS if n != "baseline"])]
    with tempfile.TemporaryDirectory(prefix="veiligstad-cli-") as folder:
        try:
            env = prepare(args.database, Path(folder), args.timeout, args.bytecode)
            before = load()
            timings = measure(names, env, max(1, args.repeat), args.timeout, cold=args.cold)
            after = load()
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            sys.stderr.write(f"{exc}\n")
            return 1
    if args.json:
        data = {
            "load_before": before,
            "load_after": after,
            "cold": args.cold,
            "bytecode": args.bytecode,
            "timings": {t.name: {"wall": t.seconds, "cpu": t.cpu} for t in timings},
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        mode = "cold (nothing stored)" if args.cold else "warm"
        sys.stdout.write(
            f"{mode}; bytecode {args.bytecode}; {os.cpu_count()} cores; "
            f"load average (1/5/15 min) before {before}, after {after}\n\n"
        )
        sys.stdout.write(table(timings, cold=args.cold) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
