# SPDX-License-Identifier: EUPL-1.2
"""Downloads cannot carry a live formula (CSV/formula injection, OWASP).

Hostile texts as an analist could type them (an action title) or an imported boundary file
could name an area; numbers, including negative ones, stay numbers."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from veiligstad.web.downloads import table_response

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
