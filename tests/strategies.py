# SPDX-License-Identifier: EUPL-1.2
"""Hypothesis strategies and plain builders for engine inputs.

An area tree is 1-3 gemeenten, each with 1-3 CBS wijken of 1-4 buurten; optionally a
gemeente groups its buurten into stadsdelen that cut across wijken. Observations are
stored at buurt level only: non-negative integer counts for 1-3 crime codes and a
population (``inwoners``) per buurt for 1-3 consecutive years.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd
from hypothesis import strategies as st

from veiligstad.domain.indicators import Indicator

OBSERVATION_FRAME_COLUMNS = [
    "measure",
    "area_code",
    "period",
    "period_type",
    "year",
    "value",
    "status",
]
AREA_FRAME_COLUMNS = [
    "code",
    "name",
    "level",
    "wijk_code",
    "stadsdeel_code",
    "gemeente_code",
    "boundary_year",
]
CRIME_CODES = ("misdrijven:1.1.1", "misdrijven:1.2.1", "misdrijven:1.4.6")
FIRST_YEAR = 2020


# --------------------------------------------------------------------------- builders


def area(
    code: str,
    level: str,
    *,
    wijk: str | None = None,
    stadsdeel: str | None = None,
    gemeente: str | None = None,
) -> dict[str, Any]:
    """One row of the areas table."""
    return {
        "code": code,
        "name": code,
        "level": level,
        "wijk_code": wijk,
        "stadsdeel_code": stadsdeel,
        "gemeente_code": gemeente,
        "boundary_year": 2024,
    }


def obs(
    measure: str,
    area_code: str,
    year: int,
    value: float | None,
    *,
    status: str = "definitief",
    period: str | None = None,
    period_type: str = "jaar",
) -> dict[str, Any]:
    """One row of the observations table (a year period unless told otherwise)."""
    return {
        "measure": measure,
        "area_code": area_code,
        "period": period or str(year),
        "period_type": period_type,
        "year": year,
        "value": value,
        "status": status,
    }


def areas_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Areas as a DataFrame with fixed column types (strings may be None)."""
    frame = pd.DataFrame(list(rows), columns=AREA_FRAME_COLUMNS)
    # pandas' str dtype keeps None as missing, so a column without any parent code is
    # still typed string (an all-None object column would be typed null by ibis).
    for column in AREA_FRAME_COLUMNS[:-1]:
        frame[column] = frame[column].astype("str")
    frame["boundary_year"] = frame["boundary_year"].astype("int32")
    return frame


def observations_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Observations as a DataFrame; a None value becomes NaN (null in the engine)."""
    frame = pd.DataFrame(list(rows), columns=OBSERVATION_FRAME_COLUMNS)
    frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
    frame["year"] = frame["year"].astype("int32")
    return frame


_CONNECTIONS: list[Any] = []


def _connection() -> Any:
    """One in-memory DuckDB connection per test process (connecting takes ~0.5 s)."""
    if not _CONNECTIONS:
        _CONNECTIONS.append(ibis.duckdb.connect())
    return _CONNECTIONS[0]


def run_compute(
    observations: pd.DataFrame,
    areas: pd.DataFrame,
    indicators: Sequence[Indicator],
    mergers: Sequence[Any] = (),
) -> pd.DataFrame:
    """Compile and execute ``compute`` on an in-memory DuckDB backend."""
    from veiligstad.engine.compute import compute

    con = _connection()
    expr = compute(ibis.memtable(observations), ibis.memtable(areas), indicators, mergers)
    result: pd.DataFrame = con.execute(expr)
    return result


def rate_indicator(
    indicator_id: str,
    numerator: Sequence[str],
    *,
    fallback: Sequence[str] = (),
    denominator: str = "inwoners",
    per: int = 1000,
    tolerance: int = 0,
) -> Indicator:
    """A minimal valid rate definition."""
    return Indicator(
        id=indicator_id,
        name=f"Test {indicator_id}",
        name_en=f"Test {indicator_id}",
        description="Indicator voor de tests.",
        kind="rate",
        unit="per 1.000 inwoners",
        direction="lager-is-beter",
        numerator=list(numerator),
        fallback_numerator=list(fallback),
        denominator=denominator,
        per=per,
        denominator_tolerance_years=tolerance,
        source="tests",
    )


def count_indicator(indicator_id: str, numerator: Sequence[str]) -> Indicator:
    """A minimal valid count definition."""
    return Indicator(
        id=indicator_id,
        name=f"Test {indicator_id}",
        name_en=f"Test {indicator_id}",
        description="Indicator voor de tests.",
        kind="count",
        unit="aantal",
        direction="lager-is-beter",
        numerator=list(numerator),
        source="tests",
    )


def survey_indicator(indicator_id: str, measure: str) -> Indicator:
    """A minimal valid survey definition with published margins."""
    return Indicator(
        id=indicator_id,
        name=f"Test {indicator_id}",
        name_en=f"Test {indicator_id}",
        description="Indicator voor de tests.",
        kind="survey",
        unit="%",
        direction="lager-is-beter",
        numerator=[measure],
        margin_lower=f"{measure}:ondergrens",
        margin_upper=f"{measure}:bovengrens",
        source="tests",
    )


# --------------------------------------------------------------------------- strategies


@dataclass(frozen=True)
class Buurt:
    """A buurt and its parents."""

    code: str
    wijk: str
    gemeente: str
    stadsdeel: str | None


@dataclass(frozen=True)
class AreaTree:
    """Gemeenten, wijken, stadsdelen and buurten, plus the country."""

    gemeenten: tuple[str, ...]
    wijken: tuple[tuple[str, str], ...]  # (wijk, gemeente)
    stadsdelen: tuple[tuple[str, str], ...]  # (stadsdeel, gemeente)
    buurten: tuple[Buurt, ...]

    def frame(self) -> pd.DataFrame:
        rows = [area("NL01", "land")]
        rows += [area(g, "gemeente", gemeente=g) for g in self.gemeenten]
        rows += [area(w, "wijk", gemeente=g) for w, g in self.wijken]
        rows += [area(s, "stadsdeel", gemeente=g) for s, g in self.stadsdelen]
        rows += [
            area(b.code, "buurt", wijk=b.wijk, stadsdeel=b.stadsdeel, gemeente=b.gemeente)
            for b in self.buurten
        ]
        return areas_frame(rows)

    def children(self, parent: str) -> list[str]:
        """The buurten whose wijk, stadsdeel or gemeente is ``parent`` (all for NL01)."""
        if parent == "NL01":
            return [b.code for b in self.buurten]
        return [b.code for b in self.buurten if parent in (b.wijk, b.stadsdeel, b.gemeente)]

    def parents(self) -> list[str]:
        """Every non-buurt area that has at least one buurt."""
        used = {p for b in self.buurten for p in (b.wijk, b.stadsdeel, b.gemeente) if p}
        return [*sorted(used), "NL01"]


@st.composite
def area_trees(draw: st.DrawFn) -> AreaTree:
    """1-3 gemeenten × 1-3 wijken × 1-4 buurten, optional stadsdelen across wijken."""
    gemeenten, wijken, stadsdelen, buurten = [], [], [], []
    for g in range(1, draw(st.integers(1, 3)) + 1):
        gm = f"GM{g:04d}"
        gemeenten.append(gm)
        n_sd = draw(st.integers(0, 3))  # 0: this gemeente has no stadsdelen
        sds = [f"SD{g:04d}{s:02d}" for s in range(1, n_sd + 1)]
        for w in range(draw(st.integers(1, 3))):
            wk = f"WK{g:04d}{w:02d}"
            wijken.append((wk, gm))
            for b in range(draw(st.integers(1, 4))):
                sd = draw(st.sampled_from(sds)) if sds else None
                buurten.append(Buurt(f"BU{g:04d}{w:02d}{b:02d}", wk, gm, sd))
        used = {b.stadsdeel for b in buurten if b.gemeente == gm}
        stadsdelen += [(s, gm) for s in sds if s in used]
    return AreaTree(tuple(gemeenten), tuple(wijken), tuple(stadsdelen), tuple(buurten))


@dataclass(frozen=True)
class Dataset:
    """An area tree with buurt observations; ``counts``/``pops`` keep the drawn values."""

    tree: AreaTree
    codes: tuple[str, ...]
    years: tuple[int, ...]
    counts: dict[tuple[str, str, int], int | None] = field(default_factory=dict)
    pops: dict[tuple[str, int], int | None] = field(default_factory=dict)

    def observations(self) -> pd.DataFrame:
        rows = [obs(code, b, y, v) for (b, code, y), v in self.counts.items()]
        rows += [obs("inwoners", b, y, v) for (b, y), v in self.pops.items()]
        return observations_frame(rows)


@st.composite
def datasets(draw: st.DrawFn, withheld: bool = False) -> Dataset:
    """Random buurt counts and populations; ``withheld`` lets some values be null."""
    tree = draw(area_trees())
    codes = CRIME_CODES[: draw(st.integers(1, 3))]
    years = tuple(range(FIRST_YEAR, FIRST_YEAR + draw(st.integers(1, 3))))
    count = st.integers(0, 60)
    pop = st.integers(0, 3000)
    if withheld:
        count = st.one_of(st.none(), count)
        pop = st.one_of(st.none(), pop)
    counts: dict[tuple[str, str, int], int | None] = {
        (b.code, code, y): draw(count) for b in tree.buurten for code in codes for y in years
    }
    pops: dict[tuple[str, int], int | None] = {(b.code, y): draw(pop) for b in tree.buurten for y in years}
    return Dataset(tree, codes, years, counts, pops)
