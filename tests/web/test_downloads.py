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
    firsts = [line.rsplit(",", 1)[0].strip('"') for line in lines]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for cell in firsts), firsts
    assert lines[0].endswith(",-1.5")  # a negative number is still a number
    assert "Binnenstad,4.0" in text


def test_xlsx_has_no_formula_cells() -> None:
    body = bytes(table_response(_frame(), "acties", "acties", "xlsx").body)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    titles = [sheet.cell(row=r, column=1).value for r in range(2, 2 + len(HOSTILE))]
    assert titles[0] == "'" + HOSTILE[0] and titles[-1] == "Binnenstad"
    assert sheet.cell(row=2, column=2).value == -1.5
