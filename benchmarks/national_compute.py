# SPDX-License-Identifier: EUPL-1.2
"""National benchmark: every indicator for every area level, on synthetic national data.

Generates a synthetic national data set in the warehouse schema (all ~14,500 buurten of
the CBS 2024 population file, 2015-2024 monthly, ~45 police crime-type codes: ~78 million
observations), then times the same computation three ways, each in its own subprocess:

* ``veiligstad``: a deferred Ibis roll-up (monthly → yearly, complete years only) passed as
  ``observations`` to ``veiligstad.engine.compute.compute``; ``.to_pandas()`` and
  ``add_intervals``.
* ``hand-sql``: the same rules hand-written in DuckDB SQL, plus the same ``add_intervals``.
* ``pandas``: the stored observations read into pandas and the same rules written with
  groupby/merge, plus the same ``add_intervals``.

Timed step (identical for all three): monthly observations → yearly sums (a year is kept
when it has 12 monthly rows; its value is known only when all 12 values are known) →
buurt/wijk/gemeente/Nederland → numerators, denominators, rates → 95% intervals.
Data generation is not timed in the comparison (it is reported separately).

Run:  uv run python benchmarks/national_compute.py [--scale 0.05] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
POPULATION_CSV = ROOT / "src/veiligstad/data/embedded/observations/cbs_85984ned_inwoners_buurten_2024.csv"
FIRST_YEAR, LAST_YEAR = 2015, 2024
N_BUURTEN_FULL = 14_574

#: Police crime-type codes (47013NED/47022NED classification) with a rough national rate
#: per 1,000 inhabitants per year. 0.0.0 is the total (an independent draw here).
CRIME_CODES: list[tuple[str, float]] = [
    ("0.0.0", 45.0), ("1.1.1", 2.5), ("1.1.2", 0.8), ("1.2.1", 3.0), ("1.2.2", 0.5),
    ("1.2.3", 4.5), ("1.2.4", 1.0), ("1.2.5", 0.4), ("1.3.1", 1.2), ("1.4.1", 0.4),
    ("1.4.2", 0.05), ("1.4.3", 0.3), ("1.4.4", 1.5), ("1.4.5", 2.6), ("1.4.6", 0.2),
    ("1.4.7", 0.05), ("1.5.2", 0.1), ("1.6.1", 0.3), ("1.6.2", 0.8), ("1.6.3", 0.02),
    ("2.1.1", 0.9), ("2.2.1", 4.0), ("2.4.1", 0.3), ("2.4.2", 0.2), ("2.5.1", 1.0),
    ("2.5.2", 5.0), ("2.6.1", 0.1), ("2.6.2", 0.02), ("2.6.3", 0.02), ("2.6.4", 0.1),
    ("2.6.5", 0.02), ("2.6.7", 0.01), ("2.6.8", 0.01), ("2.6.9", 0.2), ("2.6.10", 0.01),
    ("2.6.11", 0.05), ("2.6.12", 0.02), ("2.6.13", 0.1), ("2.6.14", 0.01), ("2.7.2", 0.3),
    ("2.7.3", 0.2), ("3.1.1", 0.6), ("3.1.2", 0.02), ("3.1.3", 0.2), ("3.7.4", 0.9),
]  # fmt: skip

#: Catalogue rate indicators that read only misdrijven: codes (plus a fallback that the
#: synthetic data lacks) and inwoners. misdrijven-totaal has a 1-year denominator tolerance.
INDICATOR_IDS = [
    "schaalscore-vermogensdelicten",
    "schaalscore-hic",
    "winkeldiefstallen",
    "diefstallen-uit-woning",
    "vernielingen-openbare-ruimte",
    "misdrijven-totaal",
]
IMPLEMENTATIONS = ("veiligstad", "veiligstad-postgres", "veiligstad-spark", "hand-sql", "pandas")
#: ``--backends``: where the same ``engine.compute`` expression runs.
BACKENDS = {"duckdb": "veiligstad", "postgres": "veiligstad-postgres", "spark": "veiligstad-spark"}
RESULT_COLUMNS = [
    "indicator_id", "area_code", "level", "period", "year", "value", "numerator",
    "denominator", "denominator_year", "per", "approximate", "partial", "provisional",
    "source_rank", "reason", "ci_low", "ci_high",
]  # fmt: skip


def _indicators() -> list[Any]:
    from veiligstad.definitions.loader import load_catalogue

    catalogue = load_catalogue()
    found = [catalogue.get(i) for i in INDICATOR_IDS]
    missing = [i for i, ind in zip(INDICATOR_IDS, found, strict=True) if ind is None]
    if missing:
        raise SystemExit(f"indicators missing from the catalogue: {missing}")
    return found


def _needed(indicators: list[Any]) -> list[str]:
    return sorted({m for i in indicators for m in i.all_measures})


# --------------------------------------------------------------------------- generation


#: One buurt × code × year in this many has a withheld month (``--withheld-one-in``).
WITHHELD_ONE_IN = 20_000


def generate(path: Path, scale: float, seed: int, withheld: int = WITHHELD_ONE_IN) -> dict[str, Any]:
    """Write the synthetic warehouse to ``path`` with SQL inside DuckDB; return stats."""
    from veiligstad.storage.warehouse import Warehouse

    if path.exists():
        path.unlink()
    started = time.perf_counter()
    with Warehouse.open(f"duckdb:///{path}") as w:
        w.ensure_schema()
        con = w.con.con
        s = int(seed)
        codes = ", ".join(f"({k}, '{c}', {r})" for k, (c, r) in enumerate(CRIME_CODES))
        # Buurten: every 1/scale-th buurt of the 2024 population file (all at scale 1).
        con.execute(f"""
            CREATE TEMP TABLE g_buurt AS
            WITH src AS (
                SELECT area_code AS code, CAST(value AS DOUBLE) AS pop,
                       row_number() OVER (ORDER BY area_code) AS rn
                FROM read_csv('{POPULATION_CSV}', header = true, all_varchar = true)
                WHERE measure = 'inwoners' AND value IS NOT NULL
            )
            SELECT CAST(rn AS INTEGER) AS id, code, pop,
                   'WK' || substr(code, 3, 6) AS wijk_code,
                   'GM' || substr(code, 3, 4) AS gemeente_code,
                   -- yearly growth -1%..+2%; 0.2% of buurten are new since 2019
                   -0.01 + 0.03 * (hash({s}, rn, 'growth') % 1000000) / 1e6 AS growth,
                   hash({s}, rn, 'new') % 500 = 0 AS is_new
            FROM src
            WHERE floor(rn * {scale!r}) <> floor((rn - 1) * {scale!r})
        """)
        con.execute(f"""
            CREATE TEMP TABLE g_code AS
            SELECT * FROM (VALUES {codes}) t(k, code, rate)
        """)
        con.execute(f"""
            CREATE TEMP TABLE g_month AS
            SELECT CAST(y AS INTEGER) AS year, CAST(m AS INTEGER) AS month,
                   CAST((y - {FIRST_YEAR}) * 12 + m - 1 AS INTEGER) AS t,
                   printf('%d-%02d', y, m) AS period,
                   -- season, a slow downward trend and a 2020 dip
                   (1 + 0.12 * cos(2 * pi() * (m - 1) / 12))
                     * (1 - 0.015 * (y - {FIRST_YEAR}))
                     * CASE WHEN y = 2020 THEN 0.85 ELSE 1 END AS factor,
                   y = {LAST_YEAR} AND m >= 10 AS provisional
            FROM range({FIRST_YEAR}, {LAST_YEAR + 1}) a(y), range(1, 13) b(m)
        """)
        # Expected monthly count per buurt × code: a buurt × code factor (lognormal-ish);
        # buurten without inhabitants (business parks) still see some crime.
        con.execute(f"""
            CREATE TEMP TABLE g_bc AS
            WITH h AS (
                SELECT b.id, b.code AS area_code, c.k, 'misdrijven:' || c.code AS measure,
                       (b.pop + 40) * c.rate / 1000 / 12 AS base,
                       (hash({s}, b.id, c.k, 'f') >> 11) / 9007199254740992.0 AS u1,
                       (hash({s}, b.id, c.k, 'g') >> 11) / 9007199254740992.0 AS u2
                FROM g_buurt b CROSS JOIN g_code c
            )
            SELECT id, area_code, k, measure,
                   base * exp(0.6 * sqrt(-2 * ln(u1 + 1e-12)) * cos(2 * pi() * u2) - 0.18)
                     AS lam
            FROM h
        """)
        # Counts: exact inverse-CDF Poisson for small means, normal approximation above 4.
        # One in ``withheld`` (~20,000) buurt × code × year has one month withheld (NULL).
        con.execute(f"""
            INSERT INTO observations
            WITH draws AS (
                SELECT bc.measure, bc.area_code, m.period, m.year, m.month, m.provisional,
                       bc.lam * m.factor AS lam,
                       hash({s}, bc.id, bc.k, m.t) AS h,
                       hash({s}, bc.id, bc.k, m.year, 'w') AS hw
                FROM g_bc bc CROSS JOIN g_month m
            ), u AS (
                SELECT *, ((h >> 32) + 0.5) / 4294967296.0 AS u,
                          ((h & 4294967295) + 0.5) / 4294967296.0 AS v,
                          exp(-lam) AS p0
                FROM draws
            )
            SELECT measure, area_code, period, 'maand', year,
                   CASE
                     WHEN hw % {int(withheld)} = 0 AND month = 1 + (hw >> 20) % 12 THEN NULL
                     WHEN lam >= 4 THEN greatest(0, round(
                         lam + sqrt(lam) * sqrt(-2 * ln(u)) * cos(2 * pi() * v)))
                     WHEN u < p0 THEN 0
                     WHEN u < p0 * (1 + lam) THEN 1
                     WHEN u < p0 * (1 + lam + lam^2 / 2) THEN 2
                     WHEN u < p0 * (1 + lam + lam^2 / 2 + lam^3 / 6) THEN 3
                     WHEN u < p0 * (1 + lam + lam^2 / 2 + lam^3 / 6 + lam^4 / 24) THEN 4
                     WHEN u < p0 * (1 + lam + lam^2 / 2 + lam^3 / 6 + lam^4 / 24
                                    + lam^5 / 120) THEN 5
                     WHEN u < p0 * (1 + lam + lam^2 / 2 + lam^3 / 6 + lam^4 / 24
                                    + lam^5 / 120 + lam^6 / 720) THEN 6
                     ELSE 7 + CAST(floor(v * 3) AS INTEGER)
                   END,
                   'aantal',
                   CASE WHEN provisional THEN 'voorlopig' ELSE 'definitief' END,
                   'synthetic-politie', 'synthetic-{s}'
            FROM u
        """)
        con.execute(f"""
            INSERT INTO observations
            SELECT 'inwoners', b.code, CAST(y AS VARCHAR), 'jaar', CAST(y AS INTEGER),
                   CASE WHEN y = {LAST_YEAR} THEN b.pop
                        ELSE round(b.pop * (1 + b.growth * (y - {LAST_YEAR}))
                                   * (1 + 0.004 * (CAST(hash({s}, b.id, y) % 2001 AS BIGINT) - 1000) / 1000))
                   END,
                   'aantal', 'definitief', 'synthetic-cbs', 'synthetic-{s}'
            FROM g_buurt b CROSS JOIN range({FIRST_YEAR}, {LAST_YEAR + 1}) r(y)
            WHERE NOT (b.is_new AND y < 2019)
        """)
        con.execute("""
            INSERT INTO areas
            SELECT code, code, 'buurt', wijk_code, NULL, gemeente_code, 2024, NULL
            FROM g_buurt
            UNION ALL
            SELECT DISTINCT wijk_code, wijk_code, 'wijk', NULL, NULL, gemeente_code, 2024, NULL
            FROM g_buurt
            UNION ALL
            SELECT DISTINCT gemeente_code, gemeente_code, 'gemeente', NULL, NULL, NULL, 2024,
                   NULL
            FROM g_buurt
            UNION ALL
            SELECT 'NL01', 'Nederland', 'land', NULL, NULL, NULL, 2024, NULL
        """)
        con.execute("CHECKPOINT")
        n_obs = con.execute("SELECT count(*) FROM observations").fetchone()[0]
        levels = dict(con.execute("SELECT level, count(*) FROM areas GROUP BY 1").fetchall())
    return {
        "seconds": time.perf_counter() - started,
        "observations": int(n_obs),
        "areas": {k: int(v) for k, v in levels.items()},
        "file_mb": path.stat().st_size / 1e6,
    }


# --------------------------------------------------------------------------- veiligstad


def run_engine(observations: Any, areas: Any, indicators: list[Any], fetch: Any = None) -> pd.DataFrame:
    """``engine.compute`` on any Ibis backend: the same expression for DuckDB, PostgreSQL, Spark.
    ``fetch``: how the rows come over (default: Ibis's ``to_pyarrow``)."""
    from veiligstad.engine.compute import add_intervals, compute

    # The engine rolls the monthly observations up into years itself (engine.rollup).
    expr = compute(observations, areas, indicators)
    rows = fetch(expr) if fetch is not None else expr.to_pyarrow()
    return add_intervals(rows.to_pandas(), {i.id: i.kind for i in indicators})


def run_veiligstad(w: Any, indicators: list[Any]) -> pd.DataFrame:
    """On a warehouse as the product reads it (``Warehouse.arrow``: COPY from PostgreSQL)."""
    return run_engine(w.observations(), w.areas(), indicators, fetch=w.arrow)


# --------------------------------------------------------------------------- other backends


def export_parquet(database: Path, folder: Path) -> dict[str, Any]:
    """Copy the observations and areas of the DuckDB file to Parquet for Spark (not timed)."""
    import duckdb

    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database), read_only=True) as con:
        for table in ("observations", "areas"):
            # Row groups of 1 M rows: Spark splits the scan over its cores by row group.
            con.execute(
                f"COPY {table} TO '{folder / table}.parquet' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"
            )
    size = sum(f.stat().st_size for f in folder.glob("*.parquet"))
    return {"seconds": time.perf_counter() - started, "mb": size / 1e6}


#: The warehouse schema of the two tables the engine reads (storage.warehouse).
POSTGRES_DDL = """
CREATE TABLE observations (
    measure text, area_code text, period text, period_type text, year integer,
    value double precision, unit text, status text, source_id text, batch_id text
);
CREATE TABLE areas (
    code text, name text, level text, wijk_code text, stadsdeel_code text,
    gemeente_code text, boundary_year integer, geometry text
);
CREATE TABLE benchmark_meta (scale double precision, seed bigint, withheld bigint, observations bigint);
"""


def load_postgres(
    database: Path, url: str, scale: float, seed: int, withheld: int, reuse: bool
) -> dict[str, Any]:
    """Copy the DuckDB tables into the PostgreSQL database at ``url`` (not timed).

    With ``reuse`` an earlier load of the same scale and seed is kept (``benchmark_meta``).
    The tables ``observations``, ``areas`` and ``benchmark_meta`` are replaced otherwise.
    """
    import duckdb
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as pg:
        if reuse:
            found = pg.execute("SELECT to_regclass('benchmark_meta') IS NOT NULL").fetchone()
            if found and found[0]:
                row = pg.execute("SELECT scale, seed, withheld, observations FROM benchmark_meta").fetchone()
                if row and tuple(row[:3]) == (scale, seed, withheld):
                    return {"seconds": 0.0, "observations": int(row[3]), "reused": True}
        pg.execute("DROP TABLE IF EXISTS observations, areas, benchmark_meta")
        for statement in POSTGRES_DDL.split(";"):
            if statement.strip():
                pg.execute(statement)  # type: ignore[call-overload]
        with tempfile.TemporaryDirectory(prefix="veiligstad-pgload-") as tmp:
            with duckdb.connect(str(database), read_only=True) as con:
                for table in ("observations", "areas"):
                    con.execute(f"COPY {table} TO '{tmp}/{table}.csv' (FORMAT csv, HEADER false)")
            with pg.cursor() as cur:
                for table in ("observations", "areas"):
                    with (
                        cur.copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy,  # type: ignore[arg-type]
                        open(f"{tmp}/{table}.csv", "rb") as source,
                    ):
                        while chunk := source.read(1 << 20):
                            copy.write(chunk)
        pg.execute("ANALYZE observations")
        pg.execute("ANALYZE areas")
        count = pg.execute("SELECT count(*) FROM observations").fetchone()
        n = int(count[0]) if count else 0
        pg.execute("INSERT INTO benchmark_meta VALUES (%s, %s, %s, %s)", (scale, seed, withheld, n))
    return {"seconds": time.perf_counter() - started, "observations": n, "reused": False}


def spark_session(memory: str) -> Any:
    """Spark local mode on two cores (the settings of /work/shared/research/stack.md)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no loopback-hostname warning
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("veiligstad-national-benchmark")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


class PeakSampler:
    """Peak summed RSS of a set of processes, sampled every ``interval`` s in a thread.

    For Spark the Python process and its JVM (a child process); for PostgreSQL the server
    backend of the connection and its parallel workers."""

    def __init__(self, processes: Any, interval: float = 0.25) -> None:
        # Not shorter: finding the processes reads every /proc/<pid>/stat, and at 50 ms that
        # took 14% of the benchmark process's samples (py-spy, PostgreSQL at --scale 0.05).
        import threading

        self._processes = processes
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak = 0
        self.samples = 0

    def sample(self) -> int:
        import psutil

        total = 0
        for proc in self._processes():
            try:
                total += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        self.peak = max(self.peak, total)
        self.samples += 1
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def _process_tree() -> list[Any]:
    import psutil

    me = psutil.Process()
    return [me, *me.children(recursive=True)]


def _postgres_backend(pid: int) -> Any:
    """The server processes of one connection: its backend and its parallel workers."""
    import psutil

    def processes() -> list[Any]:
        try:
            backend = psutil.Process(pid)
            found = [backend]
            postmaster = backend.parent()
            for worker in postmaster.children() if postmaster else []:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    if f"parallel worker for PID {pid}" in " ".join(worker.cmdline()):
                        found.append(worker)
            return found
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return []

    return processes


# --------------------------------------------------------------------------- hand SQL


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def hand_sql(indicators: list[Any]) -> str:
    """The engine's rules as one DuckDB query (counts and rates; no survey indicators)."""
    needed = ", ".join(_q(m) for m in _needed(indicators))
    terms = ", ".join(
        f"({_q(i.id)}, {_q(m)}, {rank}, {len(ms)})"
        for i in indicators
        for rank, ms in enumerate((i.numerator, i.fallback_numerator))
        for m in ms
    )
    specs = ", ".join(
        f"({_q(i.id)}, {_q(i.kind.value)}, {_q(i.denominator or '')}, "
        f"CAST({float(i.per or 1)} AS DOUBLE), {i.denominator_tolerance_years})"
        for i in indicators
    )
    return f"""
WITH
terms(indicator_id, term, rank, n_terms) AS (VALUES {terms}),
specs(indicator_id, kind, den_measure, per, tolerance) AS (VALUES {specs}),
obs AS MATERIALIZED (
    -- monthly → yearly: a year needs 12 monthly rows; its value needs 12 known values
    SELECT measure, area_code, CAST(year AS VARCHAR) AS period, year,
           CASE WHEN count(value) = 12 THEN sum(value) END AS value,
           bool_or(status = 'voorlopig') AS provisional, TRUE AS complete
    FROM observations
    WHERE period_type = 'maand' AND measure IN ({needed})
    GROUP BY measure, area_code, year
    HAVING count(*) = 12
    UNION ALL
    SELECT measure, area_code, period, year, value, status = 'voorlopig', TRUE
    FROM observations
    WHERE period_type = 'jaar' AND measure IN ({needed})
),
buurt AS (SELECT * FROM areas WHERE level = 'buurt'),
links AS (
    SELECT code AS child, wijk_code AS parent FROM buurt WHERE wijk_code IS NOT NULL
    UNION ALL
    SELECT code, stadsdeel_code FROM buurt WHERE stadsdeel_code IS NOT NULL
    UNION ALL
    SELECT code, gemeente_code FROM buurt WHERE gemeente_code IS NOT NULL
),
expected AS (SELECT parent, count(*) AS n FROM links GROUP BY parent),
derived AS (
    SELECT s.measure, s.parent AS area_code, s.period, s.year,
           CASE WHEN s.present = e.n THEN s.total END AS value, s.provisional,
           TRUE AS complete  -- a sum with a missing buurt has no value at all
    FROM (
        SELECT o.measure, l.parent, o.period, o.year, sum(o.value) AS total,
               count(o.value) AS present, bool_or(o.provisional) AS provisional
        FROM obs o JOIN links l ON o.area_code = l.child
        GROUP BY o.measure, l.parent, o.period, o.year
    ) s JOIN expected e ON s.parent = e.parent
),
local AS MATERIALIZED (
    SELECT * FROM obs
    UNION ALL
    SELECT d.* FROM derived d ANTI JOIN obs o USING (measure, area_code, period)
),
in_gemeente AS (
    SELECT l.* FROM local l SEMI JOIN (SELECT code FROM areas WHERE level = 'gemeente') g
        ON l.area_code = g.code
),
census AS (
    SELECT year, count(*) AS n FROM in_gemeente
    WHERE measure = 'inwoners' AND value IS NOT NULL GROUP BY year
),
on_census AS (
    SELECT area_code, year FROM in_gemeente
    WHERE measure = 'inwoners' AND value IS NOT NULL
),
country AS (
    -- coverage counts only reporting gemeenten on that year's census list
    SELECT c.measure, 'NL01' AS area_code, c.period, c.year,
           CASE WHEN c.present >= 0.99 * e.n THEN c.total END AS value, c.provisional,
           -- below full coverage the sum is a slight undercount: marked approximate
           c.present >= e.n AS complete
    FROM (
        SELECT g.measure, g.period, g.year, sum(g.value) AS total,
               count(*) FILTER (WHERE g.value IS NOT NULL AND oc.area_code IS NOT NULL)
                   AS present,
               bool_or(g.provisional) AS provisional
        FROM in_gemeente g
        LEFT JOIN on_census oc ON g.area_code = oc.area_code AND g.year = oc.year
        GROUP BY g.measure, g.period, g.year
    ) c JOIN census e ON c.year = e.year
),
expanded AS MATERIALIZED (
    SELECT * FROM local
    UNION ALL
    SELECT c.* FROM country c ANTI JOIN local l USING (measure, area_code, period)
),
num AS (
    SELECT indicator_id, area_code, period, year, provisional, partial,
           CASE WHEN present = n_terms THEN total END AS numerator, rank AS source_rank
    FROM (
        SELECT t.indicator_id, t.rank, t.n_terms, x.area_code, x.period, x.year,
               sum(x.value) AS total, count(x.value) AS present,
               bool_or(x.provisional) AS provisional, bool_or(NOT x.complete) AS partial
        FROM expanded x JOIN terms t ON x.measure = t.term
        GROUP BY t.indicator_id, t.rank, t.n_terms, x.area_code, x.period, x.year
    )
    QUALIFY row_number() OVER (
        PARTITION BY indicator_id, area_code, period
        ORDER BY present = n_terms DESC, rank) = 1
),
pops AS (
    SELECT area_code, measure, year, value, complete FROM expanded
    WHERE measure IN (SELECT den_measure FROM specs) AND value IS NOT NULL
),
den AS (
    SELECT n.*, s.kind = 'rate' AS is_rate, s.kind, s.per, p.year AS d_year,
           p.complete AS d_complete, CASE WHEN s.kind = 'rate' THEN p.value END AS den
    FROM num n JOIN specs s ON n.indicator_id = s.indicator_id
    LEFT JOIN pops p ON p.area_code = n.area_code AND p.measure = s.den_measure
         -- BETWEEN, not abs(...) <= tolerance: DuckDB 1.4 plans the latter in a LEFT
         -- JOIN as a nested-loop join (see benchmarks/README.md)
         AND p.year BETWEEN n.year - s.tolerance AND n.year + s.tolerance
    QUALIFY row_number() OVER (
        PARTITION BY n.indicator_id, n.area_code, n.period
        ORDER BY abs(p.year - n.year), p.year DESC) = 1
),
valued AS (
    SELECT *, CASE WHEN NOT is_rate THEN numerator
                   WHEN den > 0 THEN numerator * per / den END AS value
    FROM den
)
SELECT d.indicator_id, d.area_code, a.level, d.period, d.year, d.value,
       d.numerator, d.den AS denominator,
       CASE WHEN d.is_rate THEN d.d_year END AS denominator_year,
       CASE WHEN d.is_rate THEN d.per END AS per,
       -- approximate: another population year, a population that only approximates the
       -- territory, or a numerator from a country sum below full coverage; only with a value
       d.value IS NOT NULL
           AND ((d.is_rate AND coalesce(d.d_year <> d.year OR NOT d.d_complete, false))
                OR d.partial) AS approximate,
       d.value IS NOT NULL AND d.partial AS partial,
       d.provisional, d.source_rank,
       CAST(NULL AS DOUBLE) AS survey_low, CAST(NULL AS DOUBLE) AS survey_high,
       CASE WHEN d.numerator IS NULL THEN 'numerator-incomplete'
            WHEN d.is_rate AND d.den IS NULL THEN 'denominator-missing'
            WHEN d.is_rate AND d.den <= 0 THEN 'denominator-zero' END AS reason
FROM valued d JOIN areas a ON a.code = d.area_code
"""


def run_hand_sql(w: Any, indicators: list[Any]) -> pd.DataFrame:
    from veiligstad.engine.compute import add_intervals

    table = w.con.con.execute(hand_sql(indicators)).fetch_arrow_table()
    return add_intervals(table.to_pandas(), {i.id: i.kind for i in indicators})


# --------------------------------------------------------------------------- pandas


def _prefer_direct(direct: pd.DataFrame, derived: pd.DataFrame) -> pd.DataFrame:
    keys = direct[["measure", "area_code", "period"]].drop_duplicates()
    merged = derived.merge(keys, how="left", on=["measure", "area_code", "period"], indicator=True)
    missing = merged[merged["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([direct, missing], ignore_index=True)


def run_pandas(w: Any, indicators: list[Any]) -> pd.DataFrame:
    """A straightforward pandas version: read everything, then groupby/merge."""
    from veiligstad.engine.compute import add_intervals

    cols = ["measure", "area_code", "period", "period_type", "year", "value", "status"]
    obs = w.observations().select(*cols).to_pandas()
    areas = w.areas().to_pandas()
    needed = _needed(indicators)

    # Roll-up: a year needs 12 monthly rows; its value needs 12 known values.
    obs = obs[obs["measure"].isin(needed)]
    monthly = obs[obs["period_type"] == "maand"].assign(provisional=lambda d: d["status"] == "voorlopig")
    g = (
        monthly.groupby(["measure", "area_code", "year"], sort=False, observed=True)
        .agg(
            months=("value", "size"),
            known=("value", "count"),
            total=("value", "sum"),
            provisional=("provisional", "any"),
        )
        .reset_index()
    )
    g = g[g["months"] == 12]
    rolled = pd.DataFrame(
        {
            "measure": g["measure"],
            "area_code": g["area_code"],
            "period": g["year"].astype(str),
            "year": g["year"].astype("int32"),
            "value": g["total"].where(g["known"] == 12),
            "provisional": g["provisional"],
            "complete": True,
        }
    )
    stored = obs[obs["period_type"] == "jaar"]
    stored = pd.DataFrame(
        {
            "measure": stored["measure"],
            "area_code": stored["area_code"],
            "period": stored["period"],
            "year": stored["year"].astype("int32"),
            "value": stored["value"].astype(float),
            "provisional": stored["status"] == "voorlopig",
            "complete": True,
        }
    )
    del obs, monthly, g
    base = pd.concat([rolled, stored], ignore_index=True)

    # buurt → wijk / stadsdeel / gemeente, only where every buurt has a value.
    buurten = areas[areas["level"] == "buurt"]
    links = pd.concat(
        [
            buurten[["code", c]].set_axis(["child", "parent"], axis=1).dropna()
            for c in ("wijk_code", "stadsdeel_code", "gemeente_code")
        ],
        ignore_index=True,
    )
    expected = links.groupby("parent").size().rename("expected").reset_index()
    joined = base.merge(links, left_on="area_code", right_on="child")
    summed = (
        joined.groupby(["parent", "measure", "period", "year"], sort=False)
        .agg(
            total=("value", "sum"),
            present=("value", "count"),
            provisional=("provisional", "any"),
        )
        .reset_index()
        .merge(expected, on="parent")
    )
    derived = pd.DataFrame(
        {
            "measure": summed["measure"],
            "area_code": summed["parent"],
            "period": summed["period"],
            "year": summed["year"],
            "value": summed["total"].where(summed["present"] == summed["expected"]),
            "provisional": summed["provisional"],
            "complete": True,  # a sum with a missing buurt has no value at all
        }
    )
    local = _prefer_direct(base, derived)

    # gemeenten → Nederland when ≥99% of gemeenten with a population report.
    gemeenten = areas.loc[areas["level"] == "gemeente", "code"]
    in_gem = local[local["area_code"].isin(gemeenten)]
    census = in_gem[(in_gem["measure"] == "inwoners") & in_gem["value"].notna()]
    # Coverage counts only reporting gemeenten on that year's census list.
    in_gem = in_gem.merge(
        census[["area_code", "year"]].assign(on_census=True), on=["area_code", "year"], how="left"
    )
    in_gem["on_census"] = in_gem["on_census"].fillna(False).astype(bool) & in_gem["value"].notna()
    census = census.groupby("year").size().rename("expected").reset_index()
    country = (
        in_gem.groupby(["measure", "period", "year"], sort=False)
        .agg(
            total=("value", "sum"),
            present=("on_census", "sum"),
            provisional=("provisional", "any"),
        )
        .reset_index()
        .merge(census, on="year")
    )
    country = pd.DataFrame(
        {
            "measure": country["measure"],
            "area_code": "NL01",
            "period": country["period"],
            "year": country["year"],
            "value": country["total"].where(country["present"] >= 0.99 * country["expected"]),
            "provisional": country["provisional"],
            # below full coverage the sum is a slight undercount: marked approximate
            "complete": country["present"] >= country["expected"],
        }
    )
    expanded = _prefer_direct(local, country)

    # Numerators: all terms present, else the fallback terms.
    terms = pd.DataFrame(
        [
            (i.id, m, rank, len(ms))
            for i in indicators
            for rank, ms in enumerate((i.numerator, i.fallback_numerator))
            for m in ms
        ],
        columns=["indicator_id", "term", "rank", "n_terms"],
    )
    nj = expanded.merge(terms, left_on="measure", right_on="term")
    num = (
        nj.groupby(["indicator_id", "rank", "n_terms", "area_code", "period", "year"], sort=False)
        .agg(
            total=("value", "sum"),
            present=("value", "count"),
            provisional=("provisional", "any"),
            all_complete=("complete", "all"),
        )
        .reset_index()
    )
    num["partial"] = ~num["all_complete"]
    num["complete"] = num["present"] == num["n_terms"]
    num = num.sort_values(
        ["indicator_id", "area_code", "period", "complete", "rank"], ascending=[True, True, True, False, True]
    )
    num = num.drop_duplicates(["indicator_id", "area_code", "period"])
    num["numerator"] = num["total"].where(num["complete"])
    num = num.rename(columns={"rank": "source_rank"})

    # Denominators: same year, else nearest within tolerance (tie → later year).
    specs = pd.DataFrame(
        {
            "indicator_id": [i.id for i in indicators],
            "kind": [i.kind.value for i in indicators],
            "den_measure": [i.denominator or "" for i in indicators],
            "per": [float(i.per or 1) for i in indicators],
            "tolerance": [i.denominator_tolerance_years for i in indicators],
        }
    )
    num = num.merge(specs, on="indicator_id")
    pops = expanded[expanded["measure"].isin(specs["den_measure"]) & expanded["value"].notna()]
    pops = pops[["area_code", "measure", "year", "value", "complete"]].set_axis(
        ["area_code", "den_measure", "d_year", "d_value", "d_complete"], axis=1
    )
    keys = ["indicator_id", "area_code", "period"]
    cand = num[[*keys, "year", "den_measure", "tolerance"]].merge(pops, on=["area_code", "den_measure"])
    cand["dist"] = (cand["d_year"] - cand["year"]).abs()
    cand = cand[cand["dist"] <= cand["tolerance"]]
    cand = cand.sort_values([*keys, "dist", "d_year"], ascending=[True] * 4 + [False])
    cand = cand.drop_duplicates(keys)[[*keys, "d_year", "d_value", "d_complete"]]
    t = num.merge(cand, on=keys, how="left").merge(
        areas[["code", "level"]], left_on="area_code", right_on="code"
    )

    is_rate = t["kind"] == "rate"
    den = t["d_value"].where(is_rate)
    value = np.where(~is_rate, t["numerator"], np.where(den > 0, t["numerator"] * t["per"] / den, np.nan))
    has_value = pd.notna(value)
    # another population year, or a population that only approximates the territory
    other_year = t["d_year"].notna() & ((t["d_year"] != t["year"]) | t["d_complete"].eq(False))
    reason = np.select(
        [t["numerator"].isna(), is_rate & den.isna(), is_rate & (den <= 0)],
        ["numerator-incomplete", "denominator-missing", "denominator-zero"],
        default=None,
    )
    out = pd.DataFrame(
        {
            "indicator_id": t["indicator_id"],
            "area_code": t["area_code"],
            "level": t["level"],
            "period": t["period"],
            "year": t["year"],
            "value": value,
            "numerator": t["numerator"],
            "denominator": den,
            "denominator_year": t["d_year"].where(is_rate),
            "per": t["per"].where(is_rate),
            "approximate": has_value & ((is_rate & other_year) | t["partial"]),
            "partial": has_value & t["partial"],
            "provisional": t["provisional"],
            "source_rank": t["source_rank"],
            "survey_low": np.nan,
            "survey_high": np.nan,
            "reason": reason,
        }
    )
    return add_intervals(out, {i.id: i.kind for i in indicators})


RUNNERS = {
    "veiligstad": run_veiligstad,
    "hand-sql": run_hand_sql,
    "pandas": run_pandas,
}


# --------------------------------------------------------------------------- child


def _rss_mb() -> float:
    """Peak RSS of this process in MiB: VmHWM, which starts afresh with the new program.

    Not ``ru_maxrss``: Linux carries it over ``fork`` and ``exec``, so a child started by a
    parent that generated the data in DuckDB reported the parent's peak (2026-12-02: 1,110 MB
    for DuckDB, hand SQL and the PostgreSQL client alike at --scale 0.05)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(impl: str, database: Path, repeat: int, out: Path, options: argparse.Namespace) -> None:
    """Run one implementation ``repeat`` times in this process; print a JSON line.

    Peak memory: this process's ``ru_maxrss`` (DuckDB works inside it); for Spark the
    sampled RSS of this process and its JVM together; for PostgreSQL ``ru_maxrss`` of this
    client plus the sampled RSS of the server backend and its parallel workers."""
    import psutil

    indicators = _indicators()
    proc = psutil.Process()
    extra: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        sampler: PeakSampler | None = None
        if impl == "veiligstad-spark":
            import ibis

            started = time.perf_counter()
            con = ibis.pyspark.connect(spark_session(options.spark_memory))
            obs = con.read_parquet(str(options.parquet / "observations.parquet"), table_name="observations")
            areas = con.read_parquet(str(options.parquet / "areas.parquet"), table_name="areas")
            extra["startup_s"] = time.perf_counter() - started
            sampler = PeakSampler(_process_tree)
            baseline = sampler.sample() / 2**20

            def run() -> pd.DataFrame:
                return run_engine(obs, areas, indicators)

        elif impl == "veiligstad-postgres":
            from veiligstad.storage.warehouse import Warehouse

            w = stack.enter_context(Warehouse.open(options.postgres_url))
            w.con.raw_sql(f"SET work_mem = '{options.postgres_work_mem}'").close()
            if not options.postgres_nestloop:
                # PostgreSQL 15 estimates 1 row for the aggregated CTEs of the Ibis SQL and
                # picks nested loops over what are ~10^5 rows: > 6 min instead of ~40 s at
                # --scale 0.01 (2026-12-02). Off by default; --postgres-nestloop to compare.
                w.con.raw_sql("SET enable_nestloop = off").close()
            with contextlib.closing(w.con.raw_sql("SELECT pg_backend_pid()")) as cursor:
                pid = int(cursor.fetchone()[0])
            sampler = PeakSampler(_postgres_backend(pid))
            extra["server_baseline_mb"] = sampler.sample() / 2**20
            baseline = proc.memory_info().rss / 2**20

            def run() -> pd.DataFrame:
                return run_veiligstad(w, indicators)

        else:
            from veiligstad.storage.warehouse import Warehouse

            w = stack.enter_context(Warehouse.open(f"duckdb:///{database}"))
            w.con.con.execute("SELECT 1").fetchall()
            baseline = proc.memory_info().rss / 2**20

            def run() -> pd.DataFrame:
                return RUNNERS[impl](w, indicators)

        times, result = [], None
        with sampler or contextlib.nullcontext():
            for _ in range(repeat):
                result = None
                started = time.perf_counter()
                result = run()
                times.append(time.perf_counter() - started)
        peak = _rss_mb()
        if impl == "veiligstad-spark" and sampler is not None:
            peak = max(peak, sampler.peak / 2**20)  # Python and the JVM together
        elif sampler is not None:
            extra["server_peak_mb"] = sampler.peak / 2**20
            extra["client_peak_mb"] = peak
            peak += sampler.peak / 2**20
        assert result is not None
        if impl == "veiligstad":
            import ibis

            from veiligstad.engine.compute import compute

            expr = compute(w.observations(), w.areas(), indicators)
            out.with_suffix(".sql").write_text(str(ibis.to_sql(expr)))
    result[RESULT_COLUMNS].to_parquet(out)
    print(
        json.dumps(
            {
                "impl": impl,
                "times": times,
                "best": min(times),
                "peak_mb": peak,
                "baseline_mb": baseline,
                "rows": len(result),
                "extra": extra,
            }
        )
    )


@dataclass
class Run:
    impl: str
    best: float
    times: list[float]
    peak_mb: float
    baseline_mb: float
    rows: int
    scale: float
    out: Path
    timed_out: float | None = None
    extra: dict[str, Any] | None = None


def spawn(
    impl: str,
    database: Path,
    repeat: int,
    out: Path,
    scale: float,
    timeout: float | None = None,
    options: list[str] | None = None,
) -> Run:
    """Run one implementation in a fresh process (its own peak memory); None-safe timeout."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        impl,
        "--database",
        str(database),
        "--repeat",
        str(repeat),
        "--out",
        str(out),
        *(options or []),
    ]
    print(f"running {impl} (scale {scale:g}, {repeat}×) ...", flush=True)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"  {impl}: timed out after {timeout:.0f} s", flush=True)
        return Run(impl, math.inf, [], math.nan, math.nan, 0, scale, out, timed_out=timeout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{impl} failed (exit {proc.returncode})")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return Run(
        impl,
        data["best"],
        data["times"],
        data["peak_mb"],
        data["baseline_mb"],
        data["rows"],
        scale,
        out,
        extra=data.get("extra"),
    )


# --------------------------------------------------------------------------- compare


def compare(a_path: Path, b_path: Path, label: str) -> str:
    """Same rows, same values (rtol 1e-9), same reasons and flags."""
    keys = ["indicator_id", "area_code", "period"]
    a = pd.read_parquet(a_path).sort_values(keys, ignore_index=True)
    b = pd.read_parquet(b_path).sort_values(keys, ignore_index=True)
    if len(a) != len(b):
        raise AssertionError(f"{label}: {len(a)} rows vs {len(b)} rows")
    for k in [*keys, "level"]:
        if not (a[k].astype(str).to_numpy() == b[k].astype(str).to_numpy()).all():
            raise AssertionError(f"{label}: column {k} differs")
    for c in [
        "value",
        "numerator",
        "denominator",
        "denominator_year",
        "per",
        "year",
        "source_rank",
        "ci_low",
        "ci_high",
    ]:
        np.testing.assert_allclose(
            a[c].astype(float).to_numpy(),
            b[c].astype(float).to_numpy(),
            rtol=1e-9,
            equal_nan=True,
            err_msg=f"{label}: column {c}",
        )
    for c in ["reason", "approximate", "partial", "provisional"]:
        x = np.where(a[c].isna(), "<null>", a[c].astype(str))
        y = np.where(b[c].isna(), "<null>", b[c].astype(str))
        if not (x == y).all():
            raise AssertionError(f"{label}: column {c} differs at {int((x != y).sum())} rows")
    n_value = int(a["value"].notna().sum())
    return f"{label}: {len(a):,} rows identical ({n_value:,} with a value, rtol 1e-9)"


def counts(path: Path) -> dict[str, Any]:
    """Rows per level and reason, and how many are approximate (partial: a country sum below
    full coverage in the numerator)."""
    df = pd.read_parquet(path)
    return {
        "levels": {str(k): int(v) for k, v in df.groupby("level").size().items()},
        "reasons": {str(k): int(v) for k, v in df["reason"].value_counts(dropna=True).items()},
        "approximate": int(df["approximate"].sum()),
        "partial": int(df["partial"].sum()),
    }


def summary(path: Path) -> str:
    c = counts(path)
    return (
        f"rows by level {c['levels']}; reasons {c['reasons']}; approximate {c['approximate']} "
        f"(partial country coverage {c['partial']})"
    )


# --------------------------------------------------------------------------- main


def _database(base: Path | None, tmp: Path, scale: float, seed: int, tag: str) -> Path:
    if base is None:
        return tmp / f"national-{tag}-s{scale:g}-seed{seed}.duckdb"
    return base if tag == "main" else base.with_name(f"{base.stem}-{tag}{base.suffix}")


def _meta(path: Path) -> Path:
    """Where the description of a generated file is kept (scale, seed, counts): beside it."""
    return path.with_suffix(".meta.json")


def _meta_ok(path: Path, scale: float, seed: int, withheld: int) -> bool:
    meta = _meta(path)
    if not (path.exists() and meta.exists()):
        return False
    data = json.loads(meta.read_text())
    return (
        data.get("scale") == scale
        and data.get("seed") == seed
        and data.get("withheld", WITHHELD_ONE_IN) == withheld
    )


def _prepare(
    path: Path, scale: float, seed: int, reuse: bool, withheld: int = WITHHELD_ONE_IN
) -> dict[str, Any]:
    if reuse and _meta_ok(path, scale, seed, withheld):
        stats = json.loads(_meta(path).read_text())
        stats["reused"] = True
        return stats
    print(f"generating scale {scale:g} (seed {seed}) into {path} ...", flush=True)
    stats = generate(path, scale, seed, withheld)
    stats.update(scale=scale, seed=seed, withheld=withheld)
    _meta(path).write_text(json.dumps(stats))
    return stats


def _backends(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in BACKENDS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"backends are {', '.join(BACKENDS)}; got {text!r}")
    return list(dict.fromkeys(names))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0, help="share of buurten (1.0 = all)")
    p.add_argument("--seed", type=int, default=20240101)
    p.add_argument(
        "--withheld-one-in",
        type=int,
        default=WITHHELD_ONE_IN,
        help="one buurt × code × year in N has a withheld month (lower: more partial country sums)",
    )
    p.add_argument("--database", type=Path, help="DuckDB file (default: a temp dir)")
    p.add_argument(
        "--reuse",
        action="store_true",
        help="reuse --database (and the PostgreSQL tables) when generated with the same scale/seed",
    )
    p.add_argument(
        "--backends",
        type=_backends,
        default=["duckdb"],
        help="where engine.compute runs, comma-separated: duckdb,postgres,spark (default duckdb)",
    )
    p.add_argument(
        "--postgres-url",
        help="postgresql://… database for --backends postgres; its tables observations, areas and "
        "benchmark_meta are replaced with the generated data",
    )
    p.add_argument("--postgres-work-mem", default="256MB", help="work_mem of the benchmark's session")
    p.add_argument(
        "--postgres-nestloop",
        action="store_true",
        help="leave enable_nestloop on (default: off for the benchmark's session, see child())",
    )
    p.add_argument("--spark-memory", default="2g", help="spark.driver.memory (local mode)")
    p.add_argument("--repeat", type=int, default=3, help="runs of veiligstad on DuckDB and hand SQL")
    p.add_argument("--slow-repeat", type=int, default=1, help="runs on PostgreSQL and Spark")
    p.add_argument("--pandas-repeat", type=int, default=1)
    p.add_argument(
        "--pandas-scale",
        type=float,
        help="run pandas on this smaller scale and extrapolate linearly "
        "(default: the same scale up to 0.25, else 0.25)",
    )
    p.add_argument("--skip-pandas", action="store_true")
    p.add_argument(
        "--timeout", type=float, default=900, help="seconds per implementation subprocess (all its repeats)"
    )
    p.add_argument("--json", type=Path, help="also write the figures and checks to this JSON file")
    p.add_argument("--keep", action="store_true", help="keep the temp dir")
    p.add_argument("--child", choices=IMPLEMENTATIONS, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--parquet", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.child:
        child(args.child, args.database, args.repeat, args.out, args)
        return
    if "postgres" in args.backends and not args.postgres_url:
        p.error("--backends postgres needs --postgres-url postgresql://…")

    if args.json and args.database and args.json.resolve() == _meta(args.database).resolve():
        p.error(f"--json {args.json} is where the generated data's description is kept: choose another file")

    scale = args.scale
    pandas_scale = args.pandas_scale or (scale if scale <= 0.25 else 0.25)
    pandas_scale = min(pandas_scale, scale)
    tmp = Path(tempfile.mkdtemp(prefix="veiligstad-bench-"))
    try:
        db = _database(args.database, tmp, scale, args.seed, "main")
        gen = _prepare(db, scale, args.seed, args.reuse, args.withheld_one_in)
        print(
            f"data: {gen['observations']:,} observations, areas {gen['areas']}, "
            f"file {gen['file_mb']:.0f} MB, generated in {gen['seconds']:.1f} s"
            + (" (reused)" if gen.get("reused") else ""),
            flush=True,
        )
        loads: dict[str, str] = {}
        if "spark" in args.backends:
            parquet = tmp / "parquet"
            exported = export_parquet(db, parquet)
            loads["spark"] = f"Parquet export {exported['mb']:.0f} MB in {exported['seconds']:.1f} s"
            print(f"spark data: {loads['spark']}", flush=True)
        if "postgres" in args.backends:
            print("loading the data into PostgreSQL ...", flush=True)
            loaded = load_postgres(db, args.postgres_url, scale, args.seed, args.withheld_one_in, args.reuse)
            if loaded["observations"] != gen["observations"]:
                raise SystemExit(
                    f"PostgreSQL holds {loaded['observations']:,} observations, "
                    f"DuckDB {gen['observations']:,}"
                )
            loads["postgres"] = (
                "reused" if loaded["reused"] else f"COPY + ANALYZE in {loaded['seconds']:.1f} s"
            ) + (
                f"; session work_mem {args.postgres_work_mem}, "
                f"enable_nestloop {'on' if args.postgres_nestloop else 'off'}"
            )
            print(f"postgres data: {loads['postgres']}", flush=True)

        runs: dict[str, Run] = {}
        for backend in args.backends:
            impl = BACKENDS[backend]
            repeat = args.repeat if backend == "duckdb" else args.slow_repeat
            options = {
                "postgres": [
                    *("--postgres-url", args.postgres_url),
                    *("--postgres-work-mem", args.postgres_work_mem),
                    *(["--postgres-nestloop"] if args.postgres_nestloop else []),
                ],
                "spark": ["--parquet", str(tmp / "parquet"), "--spark-memory", args.spark_memory],
            }.get(backend, [])
            runs[impl] = spawn(impl, db, repeat, tmp / f"{impl}.parquet", scale, args.timeout, options)
        runs["hand-sql"] = spawn("hand-sql", db, args.repeat, tmp / "hand-sql.parquet", scale, args.timeout)
        engines = [BACKENDS[b] for b in args.backends if runs[BACKENDS[b]].timed_out is None]
        checks = [compare(runs["hand-sql"].out, runs[impl].out, f"{impl} vs hand-sql") for impl in engines]
        checks += [
            compare(runs[engines[0]].out, runs[impl].out, f"{impl} vs {engines[0]}") for impl in engines[1:]
        ]
        pandas_run = None
        if not args.skip_pandas:
            if pandas_scale < scale:
                small = _database(args.database, tmp, pandas_scale, args.seed, "pandas")
                sgen = _prepare(small, pandas_scale, args.seed, args.reuse, args.withheld_one_in)
                print(
                    f"pandas data: {sgen['observations']:,} observations (scale {pandas_scale:g})", flush=True
                )
                ref = spawn("hand-sql", small, 1, tmp / "hand-sql-small.parquet", pandas_scale)
                pandas_run = spawn("pandas", small, args.pandas_repeat, tmp / "pandas.parquet", pandas_scale)
                checks.append(
                    compare(ref.out, pandas_run.out, f"pandas vs hand-sql (scale {pandas_scale:g})")
                )
            else:
                pandas_run = spawn("pandas", db, args.pandas_repeat, tmp / "pandas.parquet", scale)
                checks.append(compare(runs["hand-sql"].out, pandas_run.out, "pandas vs hand-sql"))
            runs["pandas"] = pandas_run
        report(runs, scale, gen, checks, loads, args)
        if (tmp / "veiligstad.sql").exists() and args.keep:
            print(f"Ibis SQL: {tmp / 'veiligstad.sql'}")
        timed_out = [name for name, run in runs.items() if run.timed_out is not None]
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "scale": scale,
                        "seed": args.seed,
                        "observations": gen["observations"],
                        "counts": counts(runs["hand-sql"].out),
                        "checks": checks,
                        "timed_out": timed_out,
                        "runs": {
                            name: {
                                "best": run.best,
                                "times": run.times,
                                "peak_mb": run.peak_mb,
                                "rows": run.rows,
                                "scale": run.scale,
                                "extra": run.extra,
                            }
                            for name, run in runs.items()
                            if run.timed_out is None
                        },
                    },
                    indent=2,
                )
            )
        if timed_out:
            raise SystemExit(f"no result (timed out): {', '.join(timed_out)}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


#: Goals per backend (issue 13): wall seconds at scale 1, and whether memory counts.
GOALS = {"veiligstad": 5.0, "veiligstad-postgres": 60.0, "veiligstad-spark": None}


def report(
    runs: dict[str, Run],
    scale: float,
    gen: dict[str, Any],
    checks: list[str],
    loads: dict[str, str],
    args: argparse.Namespace,
) -> None:
    sql = runs["hand-sql"]
    print()
    print(
        f"veiligstad national benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, scale {scale:g}, seed {args.seed}, "
        f"{gen['observations']:,} observations (generated in {gen['seconds']:.0f} s)"
    )
    for backend, text in loads.items():
        print(f"{backend} data (not timed): {text}")
    done = next((r for r in runs.values() if r.timed_out is None and r.impl != "pandas"), sql)
    print(summary(done.out))
    for line in checks:
        print("match:", line)
    print()
    header = f"{'implementation':<22}{'wall s':>10}{'peak MB':>10}{'rows':>12}{'vs SQL':>9}  runs"
    print(header)
    print("-" * len(header))
    est: dict[str, tuple[float, float]] = {}
    for name, run in runs.items():
        if run.timed_out is not None:
            est[name] = (math.inf, math.nan)
            print(
                f"{name:<22}{'> ' + format(run.timed_out, '.0f'):>10}{'?':>10}{'?':>12}"
                f"{'':>9}  TIMED OUT (all runs within {run.timed_out:.0f} s)"
            )
            continue
        factor = scale / run.scale
        wall = run.best * factor
        peak = run.baseline_mb + (run.peak_mb - run.baseline_mb) * factor
        est[name] = (wall, peak)
        rows = f"{run.rows:,}" if factor == 1 else f"({run.rows:,})"
        flag = (
            ""
            if factor == 1
            else (
                f"  EXTRAPOLATED ×{factor:g} from scale {run.scale:g} "
                f"(measured {run.best:.2f} s, {run.peak_mb:.0f} MB, rows at that scale)"
            )
        )
        extra = run.extra or {}
        if "startup_s" in extra:
            flag += f"  (session start {extra['startup_s']:.1f} s, not timed; peak = Python + JVM)"
        if "server_peak_mb" in extra:
            flag += (
                f"  (peak = client {extra['client_peak_mb']:.0f} + server backend and workers "
                f"{extra['server_peak_mb']:.0f} MB RSS)"
            )
        runs_txt = " ".join(f"{t:.2f}" for t in run.times)
        print(f"{name:<22}{wall:>10.2f}{peak:>10.0f}{rows:>12}{wall / sql.best:>8.2f}×  [{runs_txt}]{flag}")
    print()
    note = "" if scale == 1 else f" (at scale {scale:g}; the goals are for scale 1)"
    for name in [n for n in runs if n in GOALS]:
        wall, peak = est[name]
        print(f"{name}:")
        ratio_sql = wall / sql.best
        if name == "veiligstad":
            print(f"  / hand SQL: {ratio_sql:.2f}× (goal ≤ 1.5×): {'met' if ratio_sql <= 1.5 else 'NOT met'}")
            if "pandas" in est:
                speedup = est["pandas"][0] / wall
                extra_txt = " (pandas extrapolated)" if runs["pandas"].scale != scale else ""
                print(
                    f"  pandas / it: {speedup:.1f}× (goal ≥ 5×){extra_txt}: "
                    f"{'met' if speedup >= 5 else 'NOT met'}"
                )
            ok = wall < 5 and peak < 4096
            print(f"  < 5 s and < 4 GB: {wall:.2f} s, {peak:.0f} MB: {'met' if ok else 'NOT met'}{note}")
        else:
            limit = GOALS[name]
            matched = any(line.startswith(f"{name} vs hand-sql") for line in checks)
            verdict = "identical to hand SQL" if matched else "NO RESULT"
            goal = "" if limit is None else f" (goal < {limit:.0f} s: {'met' if wall < limit else 'NOT met'})"
            print(f"  {verdict}; {wall:.2f} s{goal}, {peak:.0f} MB, {ratio_sql:.1f}× hand SQL{note}")


if __name__ == "__main__":
    main()
