# SPDX-License-Identifier: EUPL-1.2
"""The benchmarks in ``benchmarks/`` at a tiny scale, with their result checks: a benchmark
whose reference drifts away from the product (or that no longer runs) fails here, not on
the day someone wants its figures.

Already run elsewhere: ``update.py`` (``tests/services/test_update.py``) and the logged-in
mode of ``web_load.py`` (``tests/security/test_sessions.py``). Every script runs in its own
process, as a user runs it; the figures of these tiny runs mean nothing, the checks do.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script: str, *args: str, timeout: float = 600) -> str:
    """Run ``benchmarks/<script>`` with ``args``; its stdout, or a failure with all output."""
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        command = f"{script} {' '.join(args)}"
        pytest.fail(f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr[-6000:]}")
    return done.stdout


def test_national_compute_on_duckdb_and_postgres_matches_the_hand_sql(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    """``national_compute.py`` at 1% of the buurten (145 buurten in 135 gemeenten): the same
    ``engine.compute`` expression on DuckDB and PostgreSQL, the hand-written SQL and pandas
    give identical rows. Withheld months are frequent here (one buurt × code × year in 1,500),
    so country sums below full coverage occur and the approximate flag of the references is
    compared with the engine's (the drift that once broke ``--scale 0.05``)."""
    summary = tmp_path / "national.json"
    out = run(
        "national_compute.py",
        *("--scale", "0.01", "--withheld-one-in", "1500", "--repeat", "1", "--timeout", "540"),
        *("--backends", "duckdb,postgres", "--postgres-url", fresh_postgres_url),
        *("--database", str(tmp_path / "national.duckdb"), "--json", str(summary)),
        timeout=900,
    )
    result = json.loads(summary.read_text())
    checks = {line.split(":")[0] for line in result["checks"]}
    assert checks == {
        "veiligstad vs hand-sql",
        "veiligstad-postgres vs hand-sql",
        "veiligstad-postgres vs veiligstad",
        "pandas vs hand-sql",
    }, out
    rows = {name: r["rows"] for name, r in result["runs"].items()}
    assert len(set(rows.values())) == 1 and rows["hand-sql"] > 10_000, rows
    counts = result["counts"]
    # The rules are exercised, not only agreed on: partial national sums, every level, reasons.
    assert counts["partial"] > 0 and counts["approximate"] >= counts["partial"], counts
    assert set(counts["levels"]) == {"buurt", "wijk", "gemeente", "land"}, counts
    assert {"numerator-incomplete", "denominator-zero"} <= set(counts["reasons"]), counts
    assert result["runs"]["veiligstad-postgres"]["extra"]["server_peak_mb"] > 0
    assert "identical to hand SQL" in out


def test_national_compute_on_spark_matches_the_hand_sql(tmp_path: Path) -> None:
    """The same expression on Spark local mode (29 buurten: Spark's cost here is planning the
    expression, not the data): identical rows to the hand SQL and to DuckDB."""
    summary = tmp_path / "spark.json"
    out = run(
        "national_compute.py",
        *("--scale", "0.002", "--repeat", "1", "--skip-pandas", "--timeout", "1200"),
        *("--backends", "duckdb,spark", "--json", str(summary)),
        timeout=1500,
    )
    result = json.loads(summary.read_text())
    assert {line.split(":")[0] for line in result["checks"]} == {
        "veiligstad vs hand-sql",
        "veiligstad-spark vs hand-sql",
        "veiligstad-spark vs veiligstad",
    }, out
    spark = result["runs"]["veiligstad-spark"]
    assert spark["rows"] == result["runs"]["hand-sql"]["rows"] > 1_000
    # Peak memory counts the JVM: far above a Python process with DuckDB alone.
    assert spark["extra"]["startup_s"] > 0 and spark["peak_mb"] > result["runs"]["veiligstad"]["peak_mb"]


def test_national_compute_refuses_postgres_without_a_url() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "national_compute.py"), "--backends", "duckdb,postgres"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "--postgres-url" in done.stderr


def _categories(out: str, source: str) -> Counter[str]:
    line = next(x for x in out.splitlines() if x.startswith(f"[{source}] categories: "))
    found = re.findall(r"'([^']+)': (\d+)", line)
    return Counter({name: int(n) for name, n in found})


def test_hotspots_finds_both_planted_clusters_with_either_weights() -> None:
    """``hotspots.py`` on a 100 × 100 grid: the planted 30 × 30 hot and cold clusters come out
    as hot- and coldspots, and the product's Queen weights from polygons give exactly the
    categories of ``libpysal``'s lattice."""
    out = run("hotspots.py", "--rows", "100", "--cols", "100", "--permutations", "999")
    lattice, squares = _categories(out, "lattice"), _categories(out, "squares")
    assert lattice == squares
    hot = sum(n for name, n in lattice.items() if name.startswith("hotspot"))
    cold = sum(n for name, n in lattice.items() if name.startswith("coldspot"))
    # 900 planted cells each; the edges of a cluster and chance cells may differ a little.
    assert 700 <= hot <= 1100 and 700 <= cold <= 1100, lattice


def test_emerging_hotspots_finds_the_rising_block() -> None:
    """``emerging_hotspots.py`` on 40 × 40 areas × 48 months: the script itself fails unless
    the planted rising block is hot everywhere and intensifying somewhere. (On 20 × 20 × 36
    one corner cell of the block is not significant after the FDR correction.)"""
    out = run("emerging_hotspots.py", "--areas", "1600", "--steps", "48")
    assert "rising block (36 cells)" in out


def _shares(line: str) -> tuple[float, float]:
    old, new = re.findall(r"oud ([\d.]+)%, nieuw ([\d.]+)%", line)[0]
    return float(old), float(new)


def test_overdispersion_null_rate_and_power() -> None:
    """``overdispersion.py`` with 400 series: without a real change the quasi-Poisson test
    calls about 5% of the changes significant (the exact test ignoring φ about half), and
    a Maastricht-sized rise is found more often by the old test than by the new."""
    out = run("overdispersion.py", "--series", "400")
    null = next(x for x in out.splitlines() if "zonder echte verandering" in x)
    old, new = _shares(null)
    assert old > 30 and 2.5 <= new <= 7.5, null
    power = [_shares(x) for x in out.splitlines() if "onderscheidend vermogen" in x]
    assert len(power) == 3 and all(o >= n for o, n in power), power
