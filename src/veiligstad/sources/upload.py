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

import codecs
import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
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
        "too-large",
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


#: The settings that change the limits (``veiligstad.settings``; named in the messages).
ROWS_VARIABLE = "VEILIGSTAD_UPLOAD_MAX_ROWS"
COLUMNS_VARIABLE = "VEILIGSTAD_UPLOAD_MAX_COLUMNS"
CELLS_VARIABLE = "VEILIGSTAD_UPLOAD_MAX_CELLS"
XLSX_BYTES_VARIABLE = "VEILIGSTAD_UPLOAD_MAX_XLSX_BYTES"
XLSX_RATIO_VARIABLE = "VEILIGSTAD_UPLOAD_MAX_XLSX_RATIO"
#: Parts of a workbook smaller than this are not checked for their compression ratio.
_RATIO_FROM = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """How large a file may be; checked while reading, and for a workbook before reading.

    The defaults protect every caller that passes nothing; the CLI and the web upload pass
    the values of the ``VEILIGSTAD_UPLOAD_*`` settings (``upload_limits`` in
    ``cli.import_file`` and ``web.pages.internal.uploads``).
    """

    max_rows: int = 2_000_000  # data rows under the header
    max_columns: int = 1_000
    max_cells: int = 20_000_000  # cells read, empty ones included
    max_xlsx_bytes: int = 500 * 1024 * 1024  # all parts of a workbook, unpacked
    max_xlsx_ratio: int = 200  # unpacked size / packed size of one part (from 1 MiB)


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
    rows: Iterable[UploadRow] = ()  # read lazily, once; see ``parse``
    problems: list[UploadProblem] = field(default_factory=list)
    data_rows: int = 0  # rows under the header, whatever their state

    @property
    def blocked(self) -> bool:
        """Whether a problem makes the whole file unreadable (no row can be trusted)."""
        return any(p.severity == ERROR and p.row in (None, 1) for p in self.problems)


def is_xlsx(name: str, data: bytes) -> bool:
    """An Excel workbook by extension or by its zip signature."""
    return name.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def parse(
    data: bytes, name: str, measure: str | None = None, limits: UploadLimits | None = None
) -> ParsedUpload:
    """Read an uploaded file's bytes within ``limits``; never raises for bad content.

    The rows are read lazily: ``parsed.rows`` is consumed once (``services.uploads.check``
    does), and the problems and ``data_rows`` are complete only after that. Memory stays
    bounded by the rows the caller keeps, not by the size of the file.
    """
    limits = limits or UploadLimits()
    parsed = ParsedUpload(name=name)
    if not data.strip():
        parsed.problems.append(
            UploadProblem("empty-file", None, None, None, "Het bestand is leeg.", "Kies het juiste bestand.")
        )
        return parsed
    table = _read_xlsx(data, parsed, limits) if is_xlsx(name, data) else _read_csv(data, parsed)
    if table is None:
        return parsed
    parsed.rows = _rows_from_table(_bounded(table, parsed, limits), parsed, measure)
    return parsed


# --------------------------------------------------------------------------- limits


def _too_large(parsed: ParsedUpload, what: str, limit: int | str, variable: str) -> None:
    shown = limit if isinstance(limit, str) else _dutch(limit)
    parsed.problems.append(
        UploadProblem(
            "too-large",
            None,
            None,
            None,
            f"Het bestand is te groot om te lezen: {what} (grens {shown}).",
            f"Splits het bestand in kleinere delen, of verhoog de grens met {variable} "
            "(zie docs/reference/settings.md).",
        )
    )


def _dutch(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _bounded(rows: Iterator[list[str]], parsed: ParsedUpload, limits: UploadLimits) -> Iterator[list[str]]:
    """The rows of a table, stopping with a ``too-large`` problem at the row or cell limit."""
    cells = 0
    for number, row in enumerate(rows, start=1):
        if number > limits.max_rows + 1:  # the header is row 1
            _too_large(parsed, f"meer dan {_dutch(limits.max_rows)} rijen", limits.max_rows, ROWS_VARIABLE)
            return
        cells += len(row)
        if cells > limits.max_cells:
            _too_large(
                parsed, f"meer dan {_dutch(limits.max_cells)} cellen", limits.max_cells, CELLS_VARIABLE
            )
            return
        if len(row) > limits.max_columns and any(c.strip() for c in row[limits.max_columns :]):
            _too_large(
                parsed,
                f"rij {number} heeft meer dan {_dutch(limits.max_columns)} kolommen",
                limits.max_columns,
                COLUMNS_VARIABLE,
            )
            return
        yield row


# --------------------------------------------------------------------------- reading


_CHUNK = 1 << 20


def _decode_problem(data: bytes, parsed: ParsedUpload) -> str | None:
    """The file's encoding (``utf-8-sig`` or ``cp1252``), checked in chunks without a copy."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for offset in range(0, len(data), _CHUNK):
            decoder.decode(view[offset : offset + _CHUNK], final=offset + _CHUNK >= len(data))
        parsed.encoding = "utf-8"
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        start = offset + exc.start
        bad = repr(data[max(start, 0) : max(start, 0) + 8])
        try:
            for chunk in range(0, len(data), _CHUNK):
                codecs.decode(view[chunk : chunk + _CHUNK], "cp1252")
        except UnicodeDecodeError:
            parsed.problems.append(
                UploadProblem(
                    "encoding",
                    None,
                    None,
                    bad,
                    "Het bestand is geen tekst in UTF-8 of Windows-1252 (mogelijk een binair bestand).",
                    "Sla het bestand op als 'CSV UTF-8 (door komma's gescheiden)' of als .xlsx.",
                )
            )
            return None
        parsed.encoding = encoding = "cp1252"
        parsed.problems.append(
            UploadProblem(
                "encoding",
                None,
                None,
                bad,
                "Het bestand is niet in UTF-8; het is gelezen als Windows-1252.",
                "Controleer letters met accenten in de uitvoer, of sla op als 'CSV UTF-8'.",
                severity=WARNING,
            )
        )
    if b"\x00" in data:
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
    return encoding


def _sniff(header: str) -> str:
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _text(data: bytes, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


def _read_csv(data: bytes, parsed: ParsedUpload) -> Iterator[list[str]] | None:
    encoding = _decode_problem(data, parsed)
    if encoding is None:
        return None
    first_line = ""
    with _text(data, encoding) as lines:
        for line in lines:
            if line.strip("\r\n"):
                first_line = line.rstrip("\r\n")
                break
    parsed.delimiter = _sniff(first_line)
    parsed.decimal_comma = parsed.delimiter != ","
    return _csv_rows(data, encoding, parsed)


def _csv_rows(data: bytes, encoding: str, parsed: ParsedUpload) -> Iterator[list[str]]:
    with _text(data, encoding) as text:
        try:
            yield from csv.reader(text, delimiter=parsed.delimiter)
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


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unreadable(parsed: ParsedUpload, exc: Exception) -> None:
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


def _zip_ok(data: bytes, parsed: ParsedUpload, limits: UploadLimits) -> bool:
    """Refuse a workbook that unpacks too large or too compressed, before any part is read.

    The sizes come from the zip's directory; ``zipfile`` never returns more bytes than a
    part declares (a part that lies fails its CRC), so checking them is enough.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        _unreadable(parsed, exc)
        return False
    total = sum(p.file_size for p in parts)
    if total > limits.max_xlsx_bytes:
        size = f"uitgepakt {_dutch(total // (1024 * 1024))} MB"
        _too_large(parsed, size, f"{_dutch(limits.max_xlsx_bytes // (1024 * 1024))} MB", XLSX_BYTES_VARIABLE)
        return False
    for part in parts:
        if part.file_size > _RATIO_FROM and part.file_size > limits.max_xlsx_ratio * max(
            part.compress_size, 1
        ):
            ratio = part.file_size // max(part.compress_size, 1)
            _too_large(
                parsed,
                f"{part.filename} is {_dutch(ratio)} keer samengeperst (een zip-bom?)",
                limits.max_xlsx_ratio,
                XLSX_RATIO_VARIABLE,
            )
            return False
    return True


def _read_xlsx(data: bytes, parsed: ParsedUpload, limits: UploadLimits) -> Iterator[list[str]] | None:
    parsed.encoding = "xlsx"
    if not _zip_ok(data, parsed, limits):
        return None
    import openpyxl  # only needed for workbooks

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The declared size (<dimension ref="A1:XFD1048576"/>) is not trusted: without it,
        # openpyxl pads no row to the declared width and no rows after the last one.
        sheet.reset_dimensions()
    except Exception as exc:  # openpyxl raises many different types for a damaged workbook
        _unreadable(parsed, exc)
        return None
    return _xlsx_rows(workbook, sheet, parsed)


def _xlsx_rows(workbook: Any, sheet: Any, parsed: ParsedUpload) -> Iterator[list[str]]:
    try:
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(c) for c in row]
    except Exception as exc:  # a part damaged halfway shows only while streaming
        _unreadable(parsed, exc)
    finally:
        workbook.close()


# --------------------------------------------------------------------------- shapes


def _header(cells: Sequence[str]) -> list[str]:
    return [c.strip().lstrip("\ufeff").strip().lower() for c in cells]


def _is_empty(cells: Sequence[str]) -> bool:
    return not any(c.strip() for c in cells)


def _rows_from_table(
    table: Iterator[list[str]], parsed: ParsedUpload, measure: str | None
) -> Iterator[UploadRow]:
    """Read the header now (shape, header problems); the body rows are read when iterated."""
    first = next(table, None)
    if first is not None and _is_empty(first):
        # a blank first line: the file is empty unless something follows
        rest = next((r for r in table if not _is_empty(r)), None)
        if rest is None:
            first = None
        else:
            table = itertools.chain([rest], table)
    if first is None or parsed.blocked:
        if not parsed.blocked:
            fix = "Kies het juiste bestand."
            parsed.problems.append(UploadProblem("empty-file", None, None, None, "Het bestand is leeg.", fix))
        _drain(table)
        return iter(())
    header = _header(first)
    body = _counted(table, parsed)
    rows: Iterator[UploadRow] | None = None
    if len(header) < 2 and parsed.encoding != "xlsx":
        parsed.problems.append(
            UploadProblem(
                "delimiter",
                1,
                None,
                first[0][:80] if first else "",
                "De kopregel bestaat uit één kolom: het scheidingsteken is niet herkend.",
                "Gebruik ; (puntkomma), , (komma) of een tab tussen de kolommen.",
            )
        )
    else:
        names = [_ALIASES.get(h, h) for h in header]
        if any(_WIDE_PERIOD.match(h.upper()) for h in header) and "value" not in names:
            parsed.shape = "wsjg"
            rows = _wide(header, names, body, parsed, measure)
        else:
            rows = _long(header, names, body, parsed)
    return _body(rows, body, parsed)


def _body(
    rows: Iterator[UploadRow] | None, body: Iterator[list[str]], parsed: ParsedUpload
) -> Iterator[UploadRow]:
    """Yield the rows, then read what is left of the file (counting rows, checking limits)."""
    found = 0
    for row in rows or ():
        found += 1
        yield row
    _drain(body)
    if not found and not parsed.problems and not parsed.data_rows:
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


def _counted(rows: Iterator[list[str]], parsed: ParsedUpload) -> Iterator[list[str]]:
    """The body rows, counting the non-empty ones in ``parsed.data_rows``."""
    for row in rows:
        if not _is_empty(row):
            parsed.data_rows += 1
        yield row


def _drain(rows: Iterator[list[str]]) -> None:
    """Read the rest (so every row is counted and every limit checked), keeping nothing."""
    for _ in rows:
        pass


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


def _long(
    header: list[str], names: list[str], body: Iterator[list[str]], parsed: ParsedUpload
) -> Iterator[UploadRow] | None:
    """The rows of a long file, or None when its header is wrong (the problems say why)."""
    fix = "De kopregel moet minstens area_code, period, measure en value bevatten."
    if _duplicate_columns(header, names, parsed) or _missing(LONG_REQUIRED, names, parsed, fix):
        return None
    wanted = (*LONG_REQUIRED, *LONG_OPTIONAL, "area_name")
    index = {name: names.index(name) for name in wanted if name in names}
    return _long_rows(header, index, body, parsed)


def _long_rows(
    header: list[str], index: dict[str, int], body: Iterator[list[str]], parsed: ParsedUpload
) -> Iterator[UploadRow]:
    for offset, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells) or not _width_ok(cells, len(header), offset, parsed):
            continue
        get = {name: cells[i].strip() for name, i in index.items()}
        yield (
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
    header: list[str], names: list[str], body: Iterator[list[str]], parsed: ParsedUpload, measure: str | None
) -> Iterator[UploadRow] | None:
    """The rows of a wide (WSJG) file, or None when its header is wrong (the problems say why)."""
    if _duplicate_columns(header, names, parsed):
        return None
    if "area_code" not in names and "area_name" not in names:
        fix = "Geef een kolom Gebiedscode (bijv. GM0935) of Gebied (naam)."
        _missing(("gebiedscode",), names, parsed, fix)
        return None
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
        return None
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
    return _wide_rows(header, index, periods, body, parsed, measure)


def _wide_rows(
    header: list[str],
    index: dict[str, int],
    periods: list[int],
    body: Iterator[list[str]],
    parsed: ParsedUpload,
    measure: str | None,
) -> Iterator[UploadRow]:
    for offset, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells) or not _width_ok(cells, len(header), offset, parsed):
            continue
        get = {name: cells[i].strip() for name, i in index.items()}
        for i in periods:
            yield (
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
