# SPDX-License-Identifier: EUPL-1.2
"""Dutch formatting of numbers and dates for people: ``28,6``, ``1.234``, ``31 januari 2023``."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)

#: Shown where a figure cannot be given (the reason is shown beside it).
MISSING = "–"

#: A text cell starting with one of these is read as a formula by Excel and LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: XlsxWriter ``Workbook`` options for every workbook the programme writes: text stays text (a
#: cell starting with ``=`` is no formula, a web address no link, ``12`` no number: on top of
#: :func:`spreadsheet_text`), NaN and infinity are refused (the writers leave such cells empty),
#: and the file is built in memory.
XLSX_OPTIONS: dict[str, object] = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": False,
}


def number(value: float | int | None, decimals: int = 0) -> str:
    """Format with a decimal comma and a thousands dot.

    >>> number(1234.5, 1), number(28.6, 1), number(-0.04, 1), number(None)
    ('1.234,5', '28,6', '0,0', '–')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def signed(value: float | None, decimals: int = 1) -> str:
    """A change with its sign: ``+1,2`` or ``−0,8``.

    >>> signed(1.24), signed(-0.8), signed(0.0)
    ('+1,2', '−0,8', '0,0')
    """
    if value is None or not math.isfinite(value):
        return MISSING
    text = number(abs(value), decimals)
    if text.strip("0,.") == "":
        return text
    return ("+" if value > 0 else "−") + text


def interval(low: float | None, high: float | None, decimals: int = 1) -> str:
    """A 95% interval as ``[27,7 – 29,6]``; empty when unknown."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f"[{number(low, decimals)} – {number(high, decimals)}]"


def date(day: dt.date) -> str:
    """``31 januari 2023``.

    >>> date(dt.date(2023, 1, 31))
    '31 januari 2023'
    """
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def spreadsheet_text(value: object) -> object:
    """Text that a spreadsheet cannot take for a formula (CSV injection, OWASP): a text cell
    starting with ``= + - @`` or a tab/CR gets a leading apostrophe; anything else is unchanged.

    >>> print(spreadsheet_text("=1+2"), spreadsheet_text("@SUM(A1)"), spreadsheet_text("Binnenstad"))
    '=1+2 '@SUM(A1) Binnenstad
    >>> spreadsheet_text(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_safe(frame: Any) -> Any:
    """A copy of a pandas frame whose text cells are :func:`spreadsheet_text` (numbers stay)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("string", "str"):
            out[column] = out[column].map(spreadsheet_text)
    out.columns = [spreadsheet_text(str(c)) for c in out.columns]
    return out
