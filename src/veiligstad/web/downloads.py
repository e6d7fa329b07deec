# SPDX-License-Identifier: EUPL-1.2
"""CSV and XLSX downloads of the tables a page shows (``?download=<table>&format=csv|xlsx``).

The files open as they are in a spreadsheet of the reader's language: a Dutch CSV uses ``;``
between cells and a decimal comma (what Dutch Excel expects), an English one ``,`` and a
point; both carry a UTF-8 BOM. Whole numbers are written as whole numbers (``2010``, not
``2010.0``), yes/no columns as ``ja``/``nee`` (``yes``/``no``), and a column whose decimals the
page knows (``frame.attrs["decimals"]``, e.g. the catalogue's decimals for a rate) is rounded
to them. XLSX cells are typed numbers with a number format. ``format=csv-raw`` keeps full
precision in the machine form (``,`` and ``.``, ``True``/``False``), as the API does.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from fastapi import Response

from veiligstad import formatting
from veiligstad.domain.indicators import Indicator
from veiligstad.errors import BadRequest, NotFound

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv-raw": "text/csv; charset=utf-8",
}
#: Formats offered as links under a table (csv-raw is there for who asks for it).
OFFERED = ("csv", "xlsx")
#: The columns of the public figures (``web.pages.indicators.figures``) shown with the catalogue's decimals.
FIGURE_COLUMNS = ("waarde", "interval_laag", "interval_hoog", "gepubliceerd")
_BOOLEANS = {"nl": ("ja", "nee"), "en": ("yes", "no")}
_SAFE = re.compile(r"[^a-z0-9\-]+")


def filename(stem: str, table: str, fmt: str) -> str:
    """A safe file name: ``veiligstad-<stem>-<table>.<fmt>``.

    >>> filename("Indicator misdrijven-totaal", "trend", "csv")
    'veiligstad-indicator-misdrijven-totaal-trend.csv'
    """
    clean = _SAFE.sub("-", f"{stem}-{table}".lower()).strip("-")
    return f"veiligstad-{clean}.{fmt}"


def table_response(frame: pd.DataFrame, stem: str, table: str, fmt: str, lang: str = "nl") -> Response:
    """The table as a file download in the reader's spreadsheet conventions (module docstring).

    Text that a spreadsheet would run as a formula (an action titled ``=HYPERLINK(…)``, an
    imported area name) is written as text: ``formatting.spreadsheet_safe``."""
    if fmt not in FORMATS:
        raise BadRequest(f"Onbekend formaat '{fmt}'.", hint="Kies csv, xlsx of csv-raw.")
    decimals = _decimals(frame)
    frame = formatting.spreadsheet_safe(frame)
    if fmt == "csv-raw":
        body = frame.to_csv(index=False).encode("utf-8")
    elif fmt == "csv":
        frame = presentable(frame, decimals, lang)
        sep, point = (";", ",") if lang == "nl" else (",", ".")
        body = frame.to_csv(index=False, sep=sep, decimal=point).encode("utf-8-sig")
    else:
        body = _workbook(_naive(presentable(frame, decimals, lang)), decimals, table)
    headers = {"Content-Disposition": f'attachment; filename="{filename(stem, table, fmt)}"'}
    return Response(body, media_type=FORMATS[fmt], headers=headers)


def most_decimals(indicators: Iterable[Indicator]) -> int:
    """The decimals of a column that holds several indicators (several units): the most any of
    them shows, so that none loses a decimal its page shows (1 when there are none)."""
    return max((indicator.decimals for indicator in indicators), default=1)


def with_decimals(
    frame: pd.DataFrame, places: int, columns: tuple[str, ...] = (), other: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """Tell the download how many decimals a page shows in some columns (default: the figures),
    and in ``other`` columns (a z-score, a percentage) their own.

    >>> with_decimals(pd.DataFrame({"waarde": [1.234]}), 1).attrs
    {'decimals': {'waarde': 1, 'interval_laag': 1, 'interval_hoog': 1, 'gepubliceerd': 1}}
    >>> with_decimals(pd.DataFrame({"waarde": [1.234]}), 0, ("waarde",), {"z": 2}).attrs
    {'decimals': {'waarde': 0, 'z': 2}}
    """
    frame.attrs["decimals"] = dict.fromkeys(columns or FIGURE_COLUMNS, places) | dict(other or {})
    return frame


def _decimals(frame: pd.DataFrame) -> dict[str, int]:
    """The decimals a page gave for some columns (``frame.attrs``), by column name."""
    return dict(frame.attrs.get("decimals", {}))


def presentable(frame: pd.DataFrame, decimals: dict[str, int], lang: str = "nl") -> pd.DataFrame:
    """Yes/no columns in words, whole-number columns as integers, known decimals rounded.

    >>> df = pd.DataFrame({"jaar": [2010.0, None], "waarde": [3.14159, 2.0], "voorlopig": [True, False]})
    >>> presentable(df, {"waarde": 1}).to_dict(orient="list")
    {'jaar': [2010, None], 'waarde': [3.1, 2.0], 'voorlopig': ['ja', 'nee']}
    """
    out = frame.copy()
    yes, no = _BOOLEANS.get(lang, _BOOLEANS["en"])
    for column in out.columns:
        values = out[column]
        if _yes_no(values):
            out[column] = values.map({True: yes, False: no}).astype(object)
        elif not pd.api.types.is_float_dtype(values):
            continue
        elif column in decimals:
            places = decimals[column]
            out[column] = values.round(places).astype("Int64") if places == 0 else values.round(places)
        elif _whole(values):
            out[column] = values.astype("Int64")
    return out


def _yes_no(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return True
    present = values.dropna()
    return values.dtype == object and bool(len(present)) and all(isinstance(v, bool) for v in present)


def _whole(values: pd.Series) -> bool:
    present = values.dropna()
    return bool(len(present)) and bool((present == present.round()).all()) and present.abs().max() < 2**53


def _workbook(frame: pd.DataFrame, decimals: dict[str, int], table: str) -> bytes:
    """One sheet of typed cells (XlsxWriter, row by row); whole numbers and columns with known
    decimals get a number format, timestamps a date format. Missing values are empty cells."""
    import xlsxwriter

    buffer = io.BytesIO()
    options = {**formatting.XLSX_OPTIONS, "default_date_format": _DATETIME_FORMAT}
    workbook = xlsxwriter.Workbook(buffer, options)
    sheet = workbook.add_worksheet(table[:31] or "tabel")
    plain = workbook.add_format()
    patterns: dict[str, Any] = {}
    blanks = []  # the format of an empty cell: its column's, so that it exists and is formatted
    for position, column in enumerate(frame.columns):
        pattern = _pattern(frame[column], decimals.get(str(column)))
        if pattern is None:
            blanks.append(plain)
            continue
        if pattern not in patterns:
            patterns[pattern] = workbook.add_format({"num_format": pattern})
        sheet.set_column(position, position, None, patterns[pattern])
        blanks.append(patterns[pattern])
    day = workbook.add_format({"num_format": _DATE_FORMAT})

    def blank(ws: Any, row: int, col: int, *_: object) -> Any:
        return ws.write_blank(row, col, None, blanks[col])

    def date(ws: Any, row: int, col: int, value: dt.date, *_: object) -> Any:
        return ws.write_datetime(row, col, value, day)

    sheet.add_write_handler(type(None), blank)
    sheet.add_write_handler(dt.date, date)  # a date only: a datetime is another type
    sheet.write_row(0, 0, [str(c) for c in frame.columns], workbook.add_format({"bold": True}))
    columns = [_cells(frame[column]) for column in frame.columns]
    for row, values in enumerate(zip(*columns, strict=True), start=1):
        # write_row stops after a text longer than a cell holds (cut at 32,767 characters): then
        # cell by cell; -1 is a row beyond the sheet's last
        if sheet.write_row(row, 0, values) and -1 in [sheet.write(row, c, v) for c, v in enumerate(values)]:
            raise ValueError(f"Table '{table}' does not fit in a worksheet ({len(frame)} rows).")
    workbook.close()
    return buffer.getvalue()


#: What pandas wrote timestamps and dates with (``ExcelWriter``'s defaults).
_DATETIME_FORMAT = "YYYY-MM-DD HH:MM:SS"
_DATE_FORMAT = "YYYY-MM-DD"


def _pattern(values: pd.Series, places: int | None) -> str | None:
    """The number format of a column: ``0`` for whole numbers, the page's decimals, or none."""
    if pd.api.types.is_integer_dtype(values):
        return "0"
    if places is not None:
        return "0." + "0" * places if places else "0"
    return None


def _cells(values: pd.Series) -> list[Any]:
    """A column as the Python values XlsxWriter writes by type (``_cell``); the common dtypes
    without a call per cell."""
    if pd.api.types.is_float_dtype(values):
        numbers = values.to_numpy(dtype=float, na_value=math.nan)
        floats: list[Any] = numbers.tolist()
        for position in np.flatnonzero(~np.isfinite(numbers)).tolist():
            floats[position] = _cell(floats[position])
        return floats
    if pd.api.types.is_integer_dtype(values):
        return [None if v is pd.NA else v for v in values.tolist()]
    return [_cell(v) for v in values.tolist()]


def _cell(value: Any) -> Any:
    """One value as XlsxWriter writes it: missing (None, NaN, NA, NaT) empty, infinity as the
    text ``inf``/``-inf`` (what pandas wrote), numpy scalars as Python ones, timestamps naive UTC.

    >>> [_cell(v) for v in (None, math.nan, pd.NA, pd.NaT, -math.inf, np.int64(3), "x")]
    [None, None, None, None, '-inf', 3, 'x']
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return None if math.isnan(value) else value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime(warn=False)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _naive(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones: timestamps become naive UTC (CSV keeps the offset)."""
    zoned = [c for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)]
    if not zoned:
        return frame
    frame = frame.copy()
    for column in zoned:
        frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


#: A page's download table, or how to make it: made only when a download asks for it.
Table = pd.DataFrame | Callable[[], pd.DataFrame]


def pick(tables: Mapping[str, Table], name: str) -> pd.DataFrame:
    """The table a download asks for; NotFound lists the ones the page has."""
    if name not in tables:
        known = ", ".join(sorted(tables)) or "geen"
        raise NotFound(f"Deze pagina heeft geen tabel '{name}'.", hint=f"Beschikbaar: {known}.")
    table = tables[name]
    return table() if callable(table) else table
