# SPDX-License-Identifier: EUPL-1.2
"""Reading uploaded files: shapes, Dutch numbers, encodings, delimiters, and a fuzz test.

The fuzz tests throw 2,000 generated files (random bytes and structured CSV with random
damage) at the reader and the row checks: the only outcome allowed is a report whose
problems carry documented codes; nothing raises.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veiligstad.services import uploads
from veiligstad.sources.upload import PROBLEM_CODES, parse, parse_number

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uploads"
AREAS = uploads.Areas(frozenset({"GM0935", "WK093500", "BU09350000"}), {"maastricht": "GM0935"})


def codes(data: bytes, name: str = "f.csv", measure: str | None = None) -> list[str]:
    parsed = parse(data, name, measure)
    return [p.code for p in uploads.check(parsed, AREAS).problems]


@pytest.mark.parametrize(
    ("text", "comma", "expected"),
    [
        ("1.234,5", True, 1234.5),
        ("28,6", True, 28.6),
        ("1.234", True, 1234.0),
        ("1.234", False, 1.234),
        ("7.2", True, 7.2),
        ("1234.5", False, 1234.5),
        ("1.234.567,8", True, 1234567.8),
        ("-3", False, -3.0),
        ("1,2,3", True, None),
        ("1,234.5", True, None),
        ("12.34,5", True, None),
        ("abc", False, None),
        ("nan", False, None),
        ("inf", False, None),
    ],
)
def test_numbers_dutch_and_international(text: str, comma: bool, expected: float | None) -> None:
    assert parse_number(text, comma) == expected


def test_semicolon_file_with_decimal_commas() -> None:
    data = b"area_code;period;measure;value\nGM0935;2023;vm:weleens-onveilig-buurt;31,4\n"
    parsed = parse(data, "x.csv")
    assert (parsed.delimiter, parsed.decimal_comma, parsed.shape) == (";", True, "long")
    checked = uploads.check(parsed, AREAS)
    assert not checked.problems
    assert checked.columns["value"] == [31.4]
    assert checked.columns["unit"] == ["%"]


def test_bom_tab_and_dutch_header_names() -> None:
    data = "\ufeffGebiedscode\tPeriode\tMaat\tWaarde\nGM0935\t2025JJ00\tinwoners\t122.378\n".encode()
    checked = uploads.check(parse(data, "x.tsv"), AREAS)
    assert not checked.problems
    assert checked.columns["value"] == [122378.0] and checked.columns["period"] == ["2025"]


def test_cp1252_is_read_with_a_warning() -> None:
    data = "area_code,period,measure,value,source\nGM0935,2024,inwoners,1,Politie één\n".encode("cp1252")
    parsed = parse(data, "x.csv")
    checked = uploads.check(parsed, AREAS)
    assert [(p.code, p.severity) for p in checked.problems] == [("encoding", "waarschuwing")]
    assert checked.sources == {"Politie één"} and checked.rows_valid == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty-file"),
        (b"   \n\n", "empty-file"),
        (b"area_code,period,measure,value\n", "empty-file"),
        (b"area_code period measure value\nGM0935 2024 inwoners 1\n", "delimiter"),
        (b"\xff\xfea\x00r\x00e\x00a\x00", "encoding"),
        (b"area_code,period,\x81\x8d\x90,value\n", "encoding"),
        (b"area_code,period,value\nGM0935,2024,1\n", "missing-column"),
        (b"area_code,period,measure,value,value\nGM0935,2024,inwoners,1,2\n", "duplicate-column"),
        (b"area_code,period,measure,value\nGM0935,2024,inwoners,1,5\n", "column-count"),
        (b"Gebied;2019;2020\nMaastricht;1;2\n", "missing-measure"),
        (b"Indicator;2019\ninwoners;5\n", "missing-column"),
        (b"PK\x03\x04garbage", "unreadable-file"),
    ],
)
def test_file_level_problems(data: bytes, code: str) -> None:
    assert code in codes(data)


def test_every_row_problem_has_a_code_row_column_and_fix() -> None:
    data = (FIXTURES / "every-problem.csv").read_bytes()
    checked = uploads.check(parse(data, "every-problem.csv"), AREAS)
    found = {(p.code, p.row, p.column) for p in checked.problems}
    assert found == {
        ("unknown-area", 3, "area_code"),
        ("bad-period", 4, "period"),
        ("unknown-measure", 5, "measure"),
        ("unit-mismatch", 6, "unit"),
        ("duplicate-row", 7, "value"),
        ("negative-count", 8, "value"),
        ("impossible-percentage", 9, "value"),
        ("not-a-number", 10, "value"),
        ("not-an-integer", 11, "value"),
        ("impossible-score", 12, "value"),
        ("bad-status", 13, "status"),
        ("column-count", 14, None),
    }
    assert all(p.message and p.fix for p in checked.problems)
    assert checked.rows_valid == 1 and checked.rows_rejected == 12


def test_wsjg_wide_file_maps_to_long_rows() -> None:
    data = b"Gebied;Gebiedscode;2019;2020;2021\nMaastricht;GM0935;105;;92\n"
    parsed = parse(data, "wsjg.csv", measure="halt:verwijzingen")
    assert parsed.shape == "wsjg"
    checked = uploads.check(parsed, AREAS)
    assert not checked.problems
    assert checked.columns["period"] == ["2019", "2020", "2021"]
    assert checked.columns["value"] == [105.0, None, 92.0]  # empty cell: not published


def test_wsjg_by_name_and_problem_points_at_the_year_column() -> None:
    data = b"Indicator;Gebied;2019;2020\nhalt:verwijzingen;Maastricht;5;-1\nhalt:verwijzingen;Atlantis;1;1\n"
    problems = uploads.check(parse(data, "w.csv"), AREAS).problems
    assert [(p.code, p.row, p.column) for p in problems] == [
        ("negative-count", 2, "2020"),
        ("unknown-area", 3, "gebied"),
    ]


def test_xlsx_is_read() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["area_code", "period", "measure", "value", "unit"])
    sheet.append(["GM0935", 2024, "misdrijven:1.1.1", 412, "aantal"])
    sheet.append(["GM0935", "2023", "vm:weleens-onveilig-buurt", 31.4, None])
    buffer = io.BytesIO()
    book.save(buffer)
    checked = uploads.check(parse(buffer.getvalue(), "x.xlsx"), AREAS)
    assert not checked.problems
    assert checked.columns["value"] == [412.0, 31.4]


# --------------------------------------------------------------------------- fuzz

HEADER = ["area_code", "period", "measure", "value", "unit", "status", "bron", "Gebied", "2019", "xx"]
TOKENS = st.sampled_from(
    [
        "GM0935",
        "WK093500",
        "GM9999",
        "",
        " ",
        "2024",
        "2024Q5",
        "2023-02",
        "2025JJ00",
        "1899",
        "inwoners",
        "misdrijven:1.1.1",
        "vm:weleens-onveilig-buurt",
        "vm:rapportcijfer-veiligheid-buurt",
        "kwb:pct-0-14",
        "x:y",
        "1.234,5",
        "12",
        "-4",
        "101",
        "0,5",
        "nan",
        "1e400",
        "aantal",
        "%",
        "score",
        "voorlopig",
        "Maastricht",
        '"',
        ";",
        ",",
        "\t",
        "\n",
        "\r",
        "é",
        "\x00",
    ]
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """Structured files: a (possibly damaged) header and rows of plausible and bad tokens."""
    delimiter = draw(st.sampled_from([";", ",", "\t", " "]))
    header = draw(st.lists(st.sampled_from(HEADER), min_size=0, max_size=7))
    if draw(st.booleans()):
        header = ["area_code", "period", "measure", "value", *header[:3]]
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(TOKENS, min_size=0, max_size=width + 1), max_size=8))
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):  # random damage: truncate or splice random bytes in
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=8)) + data[cut:]
    return data


def _assert_report(data: bytes, name: str) -> None:
    parsed = parse(data, name)
    checked = uploads.check(parsed, AREAS)
    assert {p.code for p in checked.problems} <= PROBLEM_CODES
    assert all(p.message and p.fix for p in checked.problems)
    assert checked.rows_valid == len(checked.file_rows)
    assert 0 <= checked.rows_rejected <= max(checked.rows_total, 0) + 1
    if checked.errors and any(p.row in (None, 1) for p in checked.errors):
        assert checked.rows_valid == 0


FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["f.csv", "f.xlsx", "f.txt"]))
def test_fuzz_random_bytes_give_a_report_never_a_crash(data: bytes, name: str) -> None:
    _assert_report(data, name)


@FUZZ
@given(csv_files())
def test_fuzz_structured_files_give_a_report_never_a_crash(data: bytes) -> None:
    _assert_report(data, "f.csv")
