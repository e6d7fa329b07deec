# SPDX-License-Identifier: EUPL-1.2
"""Months become years only when complete; a stored year wins; withheld months stay unknown."""

from __future__ import annotations

import math

import ibis
import pandas as pd

from veiligstad.engine.rollup import yearly


def _months(values: list[float | None], year: int = 2023, status: str = "definitief") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure": "misdrijven:1.1.1",
            "area_code": "BU00000001",
            "period": [f"{year}-{m:02d}" for m in range(1, len(values) + 1)],
            "period_type": "maand",
            "year": year,
            "value": values,
            "status": status,
        }
    )


def _run(frame: pd.DataFrame) -> pd.DataFrame:
    con = ibis.duckdb.connect()
    return con.execute(yearly(ibis.memtable(frame))).sort_values(["year", "period"]).reset_index(drop=True)


def test_twelve_months_make_a_year() -> None:
    out = _run(_months([float(m) for m in range(1, 13)]))
    assert list(out.period) == ["2023"] and out.period_type[0] == "jaar"
    assert out.value[0] == sum(range(1, 13))


def test_eleven_months_make_no_year() -> None:
    assert _run(_months([1.0] * 11)).empty


def test_a_withheld_month_leaves_the_year_unknown() -> None:
    out = _run(_months([1.0] * 11 + [None]))
    assert len(out) == 1 and math.isnan(out.value[0])


def test_a_stored_year_wins_over_its_months() -> None:
    stored = _months([5.0]).assign(period="2023", period_type="jaar")
    out = _run(pd.concat([_months([1.0] * 12), stored]))
    assert list(out.value) == [5.0]


def test_a_provisional_month_makes_the_year_provisional() -> None:
    frame = _months([1.0] * 12)
    frame.loc[11, "status"] = "voorlopig"
    assert _run(frame).status[0] == "voorlopig"
