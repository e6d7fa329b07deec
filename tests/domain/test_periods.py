# SPDX-License-Identifier: EUPL-1.2
"""Period parsing: canonical and CBS forms in, canonical text out."""

from __future__ import annotations

import pytest

from veiligstad.domain.periods import Period, PeriodType, parse_period
from veiligstad.errors import DataError


@pytest.mark.parametrize(
    ("text", "code", "kind", "year", "number"),
    [
        ("2023", "2023", PeriodType.YEAR, 2023, 0),  # canonical year
        ("2023JJ00", "2023", PeriodType.YEAR, 2023, 0),  # CBS year
        ("2020H1", "2020H1", PeriodType.HALF_YEAR, 2020, 1),  # half year
        ("2020H2", "2020H2", PeriodType.HALF_YEAR, 2020, 2),  # second half
        ("2023Q1", "2023Q1", PeriodType.QUARTER, 2023, 1),  # canonical quarter
        ("2023KW04", "2023Q4", PeriodType.QUARTER, 2023, 4),  # CBS quarter
        ("2023-03", "2023-03", PeriodType.MONTH, 2023, 3),  # canonical month
        ("2023MM03", "2023-03", PeriodType.MONTH, 2023, 3),  # CBS month
        ("2023MM12", "2023-12", PeriodType.MONTH, 2023, 12),  # last month
        ("  2024 ", "2024", PeriodType.YEAR, 2024, 0),  # whitespace around
    ],
)
def test_parse_period(text: str, code: str, kind: PeriodType, year: int, number: int) -> None:
    period = parse_period(text)
    assert period == Period(year=year, type=kind, number=number)
    assert period.code == code
    assert str(period) == code
    assert parse_period(period.code) == period  # canonical text round-trips


@pytest.mark.parametrize(
    "text",
    [
        "2023MM13",  # month 13
        "2023MM00",  # month 0
        "2023-13",  # month 13, canonical form
        "2023Q5",  # quarter 5
        "2023Q0",  # quarter 0
        "2023H3",  # half year 3
        "abc",  # not a period
        "",  # empty
        "23",  # two-digit year
        "2023JJ01",  # CBS year code with a number
        "2023-3",  # month without leading zero
    ],
)
def test_parse_period_rejects_invalid(text: str) -> None:
    with pytest.raises(DataError) as info:
        parse_period(text)
    assert repr(text)[1:-1] in info.value.message or text in info.value.message
    assert "2025Q1" in info.value.hint and "JJ00" in info.value.hint


def test_periods_of_different_kinds_differ() -> None:
    assert parse_period("2023") != parse_period("2023Q1")
    assert parse_period("2023").type is not parse_period("2023-01").type
