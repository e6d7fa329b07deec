# SPDX-License-Identifier: EUPL-1.2
"""Downloads cannot carry a live formula (CSV/formula injection, OWASP).

Hostile texts as an analist could type them (an action title) or an imported boundary file
could name an area; numbers, including negative ones, stay numbers."""

from __future__ import annotations

import datetime as dt
import io
import math
import time
import zipfile

import openpyxl
import pandas as pd

from veiligstad.web.downloads import _workbook, table_response
from veiligstad.web.publish import stable_workbook

HOSTILE = ['=HYPERLINK("http://evil.example","klik")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tx", "Binnenstad"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"titel": HOSTILE, "verschil": [-1.5, 2.0, -3.0, 0.0, 1.0, 4.0]})


def test_csv_cells_are_text() -> None:
    body = table_response(_frame(), "acties", "acties", "csv").body
    text = bytes(body).decode("utf-8-sig")
    lines = text.splitlines()[1:]
    firsts = [line.rsplit(";", 1)[0].strip('"') for line in lines]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for cell in firsts), firsts
    assert lines[0].endswith(";-1,5")  # a negative number is still a number
    assert "Binnenstad;4" in text


def test_xlsx_has_no_formula_cells() -> None:
    body = bytes(table_response(_frame(), "acties", "acties", "xlsx").body)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    titles = [sheet.cell(row=r, column=1).value for r in range(2, 2 + len(HOSTILE))]
    assert titles[0] == "'" + HOSTILE[0] and titles[-1] == "Binnenstad"
    assert sheet.cell(row=2, column=2).value == -1.5


def test_dutch_csv_opens_in_dutch_excel() -> None:
    """``;`` and decimal commas, whole numbers whole, ja/nee, the page's decimals applied."""
    frame = pd.DataFrame(
        {
            "jaar": [2010.0, 2011.0, None],
            "waarde": [3.14159, 2.0, None],
            "p": [0.000123456, 0.5, 1.0],
            "voorlopig": [True, False, True],
        }
    )
    frame.attrs["decimals"] = {"waarde": 1}
    text = bytes(table_response(frame, "x", "trend", "csv").body).decode("utf-8")
    assert text.startswith("\ufeffjaar;waarde;p;voorlopig")
    assert text.splitlines()[1:] == ["2010;3,1;0,000123456;ja", "2011;2,0;0,5;nee", ";;1,0;ja"]
    english = bytes(table_response(frame, "x", "trend", "csv", "en").body).decode("utf-8-sig")
    assert english.splitlines()[1] == "2010,3.1,0.000123456,yes"
    raw = bytes(table_response(frame, "x", "trend", "csv-raw").body).decode("utf-8")
    assert raw.splitlines()[1] == "2010.0,3.14159,0.000123456,True"


def test_xlsx_cells_are_typed_numbers_with_formats() -> None:
    frame = pd.DataFrame({"jaar": [2010.0, 2011.0], "waarde": [3.14159, 2.0], "voorlopig": [True, False]})
    frame.attrs["decimals"] = {"waarde": 1}
    body = bytes(table_response(frame, "x", "trend", "xlsx").body)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    year, value, flag = (sheet.cell(row=2, column=c) for c in (1, 2, 3))
    assert (year.value, year.data_type, year.number_format) == (2010, "n", "0")
    assert (value.value, value.data_type, value.number_format) == (3.1, "n", "0.0")
    assert flag.value == "ja"


def test_xlsx_text_is_never_a_formula_a_link_or_a_number_even_unescaped() -> None:
    """The writer itself keeps text as text, also where ``spreadsheet_safe`` was not applied."""
    texts = ["=cmd|' /C calc'!A0", "{=1+1}", "http://evil.example", "12", "nan", "-inf"]
    body = _workbook(pd.DataFrame({"titel": texts}), {}, "t")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    cells = [sheet.cell(row=r, column=1) for r in range(2, 2 + len(texts))]
    assert [(c.value, c.data_type, c.hyperlink) for c in cells] == [(t, "s", None) for t in texts]
    escaped = bytes(table_response(pd.DataFrame({"titel": texts[:1]}), "x", "t", "xlsx").body)
    cell = openpyxl.load_workbook(io.BytesIO(escaped)).active["A2"]
    assert (cell.value, cell.data_type) == ("'=cmd|' /C calc'!A0", "s")


def test_xlsx_missing_values_are_empty_cells_and_types_are_kept() -> None:
    frame = pd.DataFrame(
        {
            "naam": ["a", None, "c"],
            "waarde": [1.25, math.nan, math.inf],
            "aantal": pd.array([3, pd.NA, 2**40], dtype="Int64"),
            "gemengd": [1, pd.NA, "x"],
            "geladen": [pd.Timestamp("2026-01-02 03:04:05"), pd.NaT, pd.Timestamp("2026-01-02")],
            "dag": [dt.date(2025, 1, 31), None, dt.date(2025, 2, 1)],
        }
    )
    body = bytes(table_response(frame, "x", "t", "xlsx").body)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None and sheet.max_row == 4 and sheet.max_column == 6
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    naive = dt.datetime(2026, 1, 2, 3, 4, 5), dt.datetime(2025, 1, 31)  # noqa: DTZ001 (Excel has no zones)
    assert rows[0] == ["a", 1.25, 3, 1, *naive]
    assert rows[1] == [None] * 6  # never 0, never the text "nan"
    assert rows[2][1:4] == ["inf", 2**40, "x"]  # infinity as pandas wrote it
    assert isinstance(rows[0][1], float) and isinstance(rows[2][2], int)
    assert [sheet.cell(row=2, column=c).number_format for c in (3, 5, 6)] == [
        "0",
        "YYYY-MM-DD HH:MM:SS",
        "YYYY-MM-DD",
    ]
    assert sheet["C3"].number_format == "0"  # an empty cell keeps its column's format
    assert sheet["A1"].font.b and sheet.title == "t"


def test_xlsx_sheet_name_is_the_table_cut_to_31_characters() -> None:
    frame = pd.DataFrame({"a": [1]})
    for table, name in (("x" * 40, "x" * 31), ("", "tabel")):
        book = openpyxl.load_workbook(io.BytesIO(_workbook(frame, {}, table)))
        assert book.sheetnames == [name]


def test_xlsx_gives_the_same_bytes_after_stable_workbook() -> None:
    """``publish`` replaces the moment of writing with the data date: same table, same bytes."""
    frame = pd.DataFrame({"naam": ["a", "b"], "waarde": [1.5, None]})
    first = bytes(table_response(frame, "x", "t", "xlsx").body)
    time.sleep(1.1)  # the file says when it was written, to the second
    second = bytes(table_response(frame, "x", "t", "xlsx").body)
    stamp = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    assert first != second
    stable = stable_workbook(first, stamp)
    assert stable == stable_workbook(second, stamp)
    core = zipfile.ZipFile(io.BytesIO(stable)).read("docProps/core.xml")
    assert core.count(b">2025-03-01T00:00:00Z<") == 2  # created and modified
    assert openpyxl.load_workbook(io.BytesIO(stable)).active["B2"].value == 1.5


def test_xlsx_text_longer_than_a_cell_holds_is_cut_and_the_rest_of_the_row_kept() -> None:
    body = _workbook(pd.DataFrame({"tekst": ["x" * 40_000, "y"], "aantal": [1, 2]}), {}, "t")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert len(sheet["A2"].value) == 32_767 and sheet["B2"].value == 1 and sheet["A3"].value == "y"
