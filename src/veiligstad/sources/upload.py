# SPDX-License-Identifier: EUPL-1.2
"""Uploaded files (CSV, XLSX) read into text rows plus the problems found while reading.

Two shapes are accepted (see docs/how-to/import-file.md):

- **long**: one observation per row, columns ``area_code, period, measure, value`` and
  optionally ``unit, source, status`` (Dutch names such as ``gebiedscode``, ``periode``,
  ``waarde``, ``eenheid``, ``bron`` are accepted too);
- **wsjg**: the wide export of Waar staat je gemeente, one row per area and one column per
  period: ``Gebied;Gebiedscode;2019;2020;…`` with an optional ``Indicator`` column (else
  the measure comes from ``--measure``).

Reading never raises for bad content: everything wrong is a :class:`UploadProblem` with
a stable code, the file row (1-based, the header is row 1), the column and the value.
Checking rows against measures and areas is done by ``services.uploads``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "fout"
WARNING = "waarschuwing"

LONG_REQUIRED = ("area_code", "period", "measure", "value")
LONG_OPTIONAL = ("unit", "source", "status")
_ALIASES = {
    "area_code": "area_code",
    "gebiedscode": "area_code",
    "code": "area_code",
    "regiocode": "area_code",
    "period": "period",
    "periode": "period",
    "perioden": "period",
    "jaar": "period",
    "measure": "measure",
    "maat": "measure",
    "indicator": "measure",
    "value": "value",
    "waarde": "value",
    "unit": "unit",
    "eenheid": "unit",
    "source": "source",
    "bron": "source",
    "status": "status",
    "gebied": "area_name",
    "gebiedsnaam": "area_name",
    "gemeente": "area_name",
    "naam": "area_name",
}
_WIDE_PERIOD = re.compile(r"^\d{4}(?:JJ00)?$")
_DELIMITERS = (";", ",", "\t")
_DELIMITER_NAMES = {";": "puntkomma", ",": "komma", "\t": "tab"}
#: Every problem code a report can contain (documented in docs/how-to/import-file.md).
PROBLEM_CODES = frozenset(
    {
        "empty-file",
        "encoding",
        "delimiter",
        "unreadable-file",
        "missing-column",
        "duplicate-column",
        "unknown-column",
        "missing-measure",
        "column-count",
        "unknown-area",
        "bad-period",
        "unknown-measure",
        "unit-mismatch",
        "bad-status",
        "not-a-number",
        "negative-count",
        "not-an-integer",
        "impossible-percentage",
        "impossible-score",
        "negative-value",
        "duplicate-row",
        "conflict",
    }
)


@dataclass(frozen=True)
class UploadProblem:
    """One problem in an uploaded file: where it is, what is wrong and how to fix it."""

    code: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    fix: str
    severity: str = ERROR

    def as_dict(self) -> dict[str, Any]:
        """A plain dict for JSON output."""
        return asdict(self)


@dataclass(frozen=True)
class UploadRow:
    """One observation as text, as found in the file (long or mapped from wide)."""

    row: int
    area_code: str
    period: str
    measure: str
    value: str
    unit: str = ""
    source: str = ""
    status: str = ""
    area_name: str = ""
    value_column: str = "value"


@dataclass
class ParsedUpload:
    """The rows and reading problems of one file, and how it was read."""

    name: str
    shape: str = "long"  # "long" or "wsjg"
    encoding: str = ""
    delimiter: str = ""
    decimal_comma: bool = False
    rows: list[UploadRow] = field(default_factory=list)
    problems: list[UploadProblem] = field(default_factory=list)
    data_rows: int = 0  # rows under the header, whatever their state

    @property
    def blocked(self) -> bool:
        """Whether a problem makes the whole file unreadable (no row can be trusted)."""
        return any(p.severity == ERROR and p.row in (None, 1) for p in self.problems)


def is_xlsx(name: str, data: bytes) -> bool:
    """An Excel workbook by extension or by its zip signature."""
    return name.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def parse(data: bytes, name: str, measure: str | None = None) -> ParsedUpload:
    """Read an uploaded file's bytes; never raises for bad content."""
    parsed = ParsedUpload(name=name)
    if not data.strip():
        parsed.problems.append(
            UploadProblem("empty-file", None, None, None, "Het bestand is leeg.", "Kies het juiste bestand.")
        )
        return parsed
    table = _read_xlsx(data, parsed) if is_xlsx(name, data) else _read_csv(data, parsed)
    if table is None:
        return parsed
    _rows_from_table(table, parsed, measure)
    return parsed


# --------------------------------------------------------------------------- reading


def _decode(data: bytes, parsed: ParsedUpload) -> str | None:
    try:
        text = data.decode("utf-8-sig")
        parsed.encoding = "utf-8"
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            parsed.problems.append(
                UploadProblem(
                    "encoding",
                    None,
                    None,
                    repr(data[exc.start : exc.start + 8]),
                    "Het bestand is geen tekst in UTF-8 of Windows-1252 (mogelijk een binair bestand).",
                    "Sla het bestand op als 'CSV UTF-8 (door komma's gescheiden)' of als .xlsx.",
                )
            )
            return None
        parsed.encoding = "cp1252"
        parsed.problems.append(
            UploadProblem(
                "encoding",
                None,
                None,
                repr(data[exc.start : exc.start + 8]),
                "Het bestand is niet in UTF-8; het is gelezen als Windows-1252.",
                "Controleer letters met accenten in de uitvoer, of sla op als 'CSV UTF-8'.",
                severity=WARNING,
            )
        )
    if "\x00" in text:
        parsed.problems.append(
            UploadProblem(
                "encoding",
                None,
                None,
                "\\x00",
                "Het bestand bevat NUL-tekens: het is geen gewoon tekstbestand (UTF-16 of binair?).",
                "Sla het bestand op als 'CSV UTF-8' of als .xlsx.",
            )
        )
        return None
    return text


def _sniff(header: str) -> str:
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, parsed: ParsedUpload) -> list[list[str]] | None:
    text = _decode(data, parsed)
    if text is None:
        return None
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    parsed.delimiter = _sniff(first_line)
    parsed.decimal_comma = parsed.delimiter != ","
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)]
    except csv.Error as exc:
        parsed.problems.append(
            UploadProblem(
                "delimiter",
                None,
                None,
                None,
                f"Het bestand is geen geldige CSV: {exc}.",
                "Controleer aanhalingstekens en het scheidingsteken (; of ,).",
            )
        )
        return None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes, parsed: ParsedUpload) -> list[list[str]] | None:
    import openpyxl  # only needed for workbooks

    parsed.encoding = "xlsx"
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        try:
            return [[_cell_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl raises many different types for a damaged workbook
        parsed.problems.append(
            UploadProblem(
                "unreadable-file",
                None,
                None,
                None,
                f"Het Excel-bestand kan niet worden gelezen ({type(exc).__name__}).",
                "Open het in Excel of LibreOffice en sla het opnieuw op als .xlsx, of exporteer naar CSV.",
            )
        )
        return None


# --------------------------------------------------------------------------- shapes


def _header(cells: Sequence[str]) -> list[str]:
    return [c.strip().lstrip("\ufeff").strip().lower() for c in cells]


def _rows_from_table(table: list[list[str]], parsed: ParsedUpload, measure: str | None) -> None:
    # drop trailing empty rows (Excel and editors leave them)
    while table and not any(c.strip() for c in table[-1]):
        table.pop()
    if not table:
        parsed.problems.append(
            UploadProblem("empty-file", None, None, None, "Het bestand is leeg.", "Kies het juiste bestand.")
        )
        return
    header = _header(table[0])
    body = table[1:]
    parsed.data_rows = sum(1 for r in body if any(c.strip() for c in r))
    if len(header) < 2 and parsed.encoding != "xlsx":
        parsed.problems.append(
            UploadProblem(
                "delimiter",
                1,
                None,
                table[0][0][:80] if table[0] else "",
                "De kopregel bestaat uit één kolom: het scheidingsteken is niet herkend.",
                "Gebruik ; (puntkomma), , (komma) of een tab tussen de kolommen.",
            )
        )
        return
    names = [_ALIASES.get(h, h) for h in header]
    if any(_WIDE_PERIOD.match(h.upper()) for h in header) and "value" not in names:
        parsed.shape = "wsjg"
        _wide(header, names, body, parsed, measure)
    else:
        _long(header, names, body, parsed)
    if not parsed.rows and not parsed.problems and not parsed.data_rows:
        parsed.problems.append(
            UploadProblem(
                "empty-file",
                None,
                None,
                None,
                "Het bestand heeft een kopregel maar geen gegevens.",
                "Voeg rijen toe onder de kopregel.",
            )
        )


def _duplicate_columns(header: list[str], names: list[str], parsed: ParsedUpload) -> bool:
    seen: set[str] = set()
    for original, name in zip(header, names, strict=True):
        if name and name in seen:
            parsed.problems.append(
                UploadProblem(
                    "duplicate-column",
                    1,
                    original,
                    original,
                    f"De kolom '{original}' komt meer dan eens voor.",
                    "Geef elke kolom een eigen naam.",
                )
            )
        seen.add(name)
    return len(seen) != len(names)


def _missing(columns: Sequence[str], names: list[str], parsed: ParsedUpload, fix: str) -> bool:
    missing = [c for c in columns if c not in names]
    for column in missing:
        parsed.problems.append(
            UploadProblem(
                "missing-column",
                1,
                column,
                None,
                f"De verplichte kolom '{column}' ontbreekt.",
                fix,
            )
        )
    return bool(missing)


def _width_ok(cells: list[str], width: int, row: int, parsed: ParsedUpload) -> bool:
    if len(cells) == width:
        return True
    if len(cells) < width and len(cells) >= 1:
        cells.extend([""] * (width - len(cells)))  # short rows: missing trailing cells are empty
        return True
    parsed.problems.append(
        UploadProblem(
            "column-count",
            row,
            None,
            parsed.delimiter.join(cells)[:80],
            f"Deze rij heeft {len(cells)} kolommen, de kopregel {width}.",
            "Zet waarden met een komma tussen aanhalingstekens, of gebruik ; als scheidingsteken "
            "(dan mag de komma het decimaalteken zijn).",
        )
    )
    return False


def _long(header: list[str], names: list[str], body: list[list[str]], parsed: ParsedUpload) -> None:
    fix = "De kopregel moet minstens area_code, period, measure en value bevatten."
    if _duplicate_columns(header, names, parsed) or _missing(LONG_REQUIRED, names, parsed, fix):
        return
    wanted = (*LONG_REQUIRED, *LONG_OPTIONAL, "area_name")
    index = {name: names.index(name) for name in wanted if name in names}
    for offset, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells) or not _width_ok(cells, len(header), offset, parsed):
            continue
        get = {name: cells[i].strip() for name, i in index.items()}
        parsed.rows.append(
            UploadRow(
                row=offset,
                area_code=get["area_code"],
                period=get["period"],
                measure=get["measure"],
                value=get["value"],
                unit=get.get("unit", ""),
                source=get.get("source", ""),
                status=get.get("status", ""),
                area_name=get.get("area_name", ""),
                value_column=header[index["value"]],
            )
        )


def _wide(
    header: list[str], names: list[str], body: list[list[str]], parsed: ParsedUpload, measure: str | None
) -> None:
    if _duplicate_columns(header, names, parsed):
        return
    if "area_code" not in names and "area_name" not in names:
        fix = "Geef een kolom Gebiedscode (bijv. GM0935) of Gebied (naam)."
        _missing(("gebiedscode",), names, parsed, fix)
        return
    if "measure" not in names and not measure:
        parsed.problems.append(
            UploadProblem(
                "missing-measure",
                1,
                None,
                None,
                "Het bestand noemt geen maat: er is geen kolom Indicator en geen --measure.",
                "Geef de maat op met --measure (bijv. --measure misdrijven:1.1.1) "
                "of voeg een kolom Indicator toe.",
            )
        )
        return
    periods = [i for i, h in enumerate(header) if _WIDE_PERIOD.match(h.upper())]
    known = {"area_code", "area_name", "measure", "unit", "source", "status"}
    index = {name: names.index(name) for name in known if name in names}
    for i, (original, name) in enumerate(zip(header, names, strict=True)):
        if i not in periods and name not in known:
            parsed.problems.append(
                UploadProblem(
                    "unknown-column",
                    1,
                    original,
                    original,
                    f"De kolom '{original}' is geen periode en geen bekende kolom; ze wordt genegeerd.",
                    "Kolommen met een periode heten 2019, 2020 … (of 2019JJ00).",
                    severity=WARNING,
                )
            )
    for offset, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells) or not _width_ok(cells, len(header), offset, parsed):
            continue
        get = {name: cells[i].strip() for name, i in index.items()}
        for i in periods:
            parsed.rows.append(
                UploadRow(
                    row=offset,
                    area_code=get.get("area_code", ""),
                    period=header[i].upper(),
                    measure=get.get("measure") or measure or "",
                    value=cells[i].strip(),
                    unit=get.get("unit", ""),
                    source=get.get("source", ""),
                    status=get.get("status", ""),
                    area_name=get.get("area_name", ""),
                    value_column=header[i],
                )
            )


# --------------------------------------------------------------------------- numbers

_DUTCH_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
#: Cell contents that mean "not published" (CBS uses "." and "x"; an empty cell likewise).
NOT_PUBLISHED = frozenset({"", ".", "x", "-", "?"})


def parse_number(text: str, decimal_comma: bool) -> float | None:
    """A number written the Dutch (``1.234,5``) or international (``1234.5``) way; None if not one.

    ``decimal_comma`` is the file's convention (``;`` and tab files): there ``1.234`` is a
    thousand separator. A comma in a value always means a decimal comma.
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in cleaned:
        if cleaned.count(",") > 1 or ("." in cleaned and cleaned.rfind(".") > cleaned.find(",")):
            return None
        cleaned = cleaned.replace(".", "").replace(",", ".") if _ok_dots(cleaned) else ""
    elif decimal_comma and _DUTCH_THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(".", "")
    if not _NUMBER.match(cleaned):
        return None
    return float(cleaned)


def _ok_dots(text: str) -> bool:
    """Dots before a decimal comma must be thousand separators (``1.234.567,8``)."""
    whole = text.split(",", 1)[0]
    return "." not in whole or bool(_DUTCH_THOUSANDS.match(whole))
