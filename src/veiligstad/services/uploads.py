# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad import file``: check an uploaded file completely, then load it atomically.

Every problem in the file is collected into one report (code, row, column, value, Dutch
message and fix). A file with problems is refused as a whole unless the user asks to load
only the valid rows. A file is one batch of the source ``upload-<file stem>``: the same
bytes again change nothing; a corrected file replaces the earlier version, which stays in
the history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from veiligstad.domain import measures
from veiligstad.domain.periods import Period, parse_period
from veiligstad.errors import DataError
from veiligstad.sources import upload
from veiligstad.sources.upload import ERROR, WARNING, ParsedUpload, UploadProblem, UploadRow
from veiligstad.storage.warehouse import OBSERVATION_SCHEMA, Batch, Warehouse

STATUSES = frozenset({"definitief", "voorlopig", "nader voorlopig"})
MIN_YEAR = 1900
MAX_YEAR = 2100
_COLUMNS = ("measure", "area_code", "period", "period_type", "year", "value", "unit", "status")


@dataclass(frozen=True)
class Areas:
    """What the warehouse knows about areas: codes, and gemeente names to codes."""

    codes: frozenset[str]
    by_name: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Checked:
    """Rows that passed every check (as columns) and all problems of the file."""

    columns: dict[str, list[Any]] = field(default_factory=lambda: {n: [] for n in _COLUMNS})
    problems: list[UploadProblem] = field(default_factory=list)
    rows_total: int = 0
    rows_rejected: int = 0
    sources: set[str] = field(default_factory=set)
    file_rows: list[int] = field(default_factory=list)  # the file row of each accepted value
    rejected: set[int] = field(default_factory=set)

    @property
    def rows_valid(self) -> int:
        return len(self.columns["measure"])

    @property
    def errors(self) -> list[UploadProblem]:
        return [p for p in self.problems if p.severity == ERROR]


@dataclass
class UploadReport:
    """What an import did; ``outcome`` is ``geladen``, ``ongewijzigd`` or ``geweigerd``."""

    file: str
    source_id: str
    file_hash: str
    shape: str
    outcome: str
    rows_total: int
    rows_loaded: int
    rows_rejected: int
    problems: list[UploadProblem]
    batch_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "source_id": self.source_id,
            "file_hash": self.file_hash,
            "shape": self.shape,
            "outcome": self.outcome,
            "rows_total": self.rows_total,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "batch_id": self.batch_id,
            "problems": [p.as_dict() for p in self.problems],
        }


def source_id_for(path_name: str) -> str:
    """``upload-<slug of the file stem>``: a stable source per file name."""
    stem = Path(path_name).stem.lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:60].strip("-")
    return f"upload-{slug or 'bestand'}"


def known_areas(warehouse: Warehouse) -> Areas:
    """Area codes of the warehouse, and gemeente names (lower case) mapped to their code."""
    frame = warehouse.areas().select("code", "name", "level").execute()
    codes = frozenset(str(c) for c in frame["code"])
    gemeenten = frame[frame["level"] == "gemeente"]
    by_name: dict[str, str] = {}
    for code, name in zip(gemeenten["code"], gemeenten["name"], strict=True):
        if isinstance(name, str):
            by_name[name.strip().lower()] = str(code)
    return Areas(codes, by_name)


# --------------------------------------------------------------------------- checks


def _problem(code: str, row: UploadRow, column: str, value: str, message: str, fix: str) -> UploadProblem:
    return UploadProblem(code, row.row, column, value, message, fix)


class _Checker:
    """Checks rows one by one; caches parsed periods and measure specs."""

    def __init__(self, parsed: ParsedUpload, areas: Areas) -> None:
        self.parsed = parsed
        self.areas = areas
        self.periods: dict[str, Period | None] = {}
        self.specs: dict[str, measures.MeasureSpec | None] = {}
        self.seen: dict[tuple[str, str, str], int] = {}

    def period(self, text: str) -> Period | None:
        if text not in self.periods:
            try:
                found: Period | None = parse_period(text)
            except DataError:
                found = None
            if found is not None and not MIN_YEAR <= found.year <= MAX_YEAR:
                found = None
            self.periods[text] = found
        return self.periods[text]

    def spec(self, measure: str) -> measures.MeasureSpec | None:
        if measure not in self.specs:
            self.specs[measure] = measures.lookup(measure)
        return self.specs[measure]

    def area(self, row: UploadRow, out: list[UploadProblem]) -> str | None:
        code = row.area_code.strip().upper()
        if not code and row.area_name:
            found = self.areas.by_name.get(row.area_name.strip().lower())
            if found is None:
                out.append(
                    _problem(
                        "unknown-area",
                        row,
                        "gebied",
                        row.area_name,
                        f"Gebied '{row.area_name}' is geen bekende gemeente.",
                        "Voeg een kolom Gebiedscode toe (bijv. GM0935) of gebruik de officiële gemeentenaam.",
                    )
                )
            return found
        if code not in self.areas.codes:
            out.append(
                _problem(
                    "unknown-area",
                    row,
                    "area_code",
                    row.area_code,
                    f"Gebiedscode '{row.area_code}' is niet bekend in het warehouse."
                    if code
                    else "De gebiedscode ontbreekt.",
                    "Gebruik een CBS-code zoals GM0935, WK093500 of BU09350000 "
                    "(zie veiligstad areas); laad nieuwe gebieden eerst met veiligstad import boundaries.",
                )
            )
            return None
        return sys.intern(code)  # one string per area, however many rows name it

    def check(self, row: UploadRow) -> tuple[list[Any] | None, list[UploadProblem]]:
        out: list[UploadProblem] = []
        area = self.area(row, out)
        period = self.period(row.period)
        if period is None:
            out.append(
                _problem(
                    "bad-period",
                    row,
                    "period",
                    row.period,
                    f"Onbekende periode '{row.period}'.",
                    "Gebruik 2025, 2025H1, 2025Q1, 2025-03 of een CBS-code zoals 2025JJ00 (jaar 1900-2100).",
                )
            )
        measure = sys.intern(row.measure.strip())
        spec = self.spec(measure)
        if spec is None:
            out.append(
                _problem(
                    "unknown-measure",
                    row,
                    "measure",
                    row.measure,
                    f"Onbekende maat '{row.measure}'." if measure else "De maat ontbreekt.",
                    f"Gebruik een maat zoals het warehouse die noemt, bijv. {measures.EXAMPLES}.",
                )
            )
        unit = (
            sys.intern(measures.normalise_unit(row.unit)) if row.unit.strip() else (spec.unit if spec else "")
        )
        if spec is not None and unit != spec.unit:
            out.append(
                _problem(
                    "unit-mismatch",
                    row,
                    "unit",
                    row.unit,
                    f"Eenheid '{row.unit}' past niet bij {measure} (verwacht: '{spec.unit}').",
                    f"Gebruik '{spec.unit}' of laat de kolom unit leeg.",
                )
            )
        status = sys.intern(row.status.strip().lower() or "definitief")
        if status not in STATUSES:
            out.append(
                _problem(
                    "bad-status",
                    row,
                    "status",
                    row.status,
                    f"Onbekende status '{row.status}'.",
                    "Gebruik definitief, voorlopig of nader voorlopig (of laat leeg).",
                )
            )
        value = self.value(row, spec, out)
        if out or area is None or period is None or spec is None:
            return None, out
        key = (area, period.code, measure)
        first = self.seen.get(key)
        if first is not None:
            return None, [
                _problem(
                    "duplicate-row",
                    row,
                    row.value_column,
                    row.value,
                    f"{measure} voor {area} in {period.code} staat ook al op rij {first}.",
                    "Houd één rij per gebied, periode en maat over.",
                )
            ]
        self.seen[key] = row.row
        return [measure, area, period.code, period.type.value, period.year, value, unit, status], []

    def value(
        self, row: UploadRow, spec: measures.MeasureSpec | None, out: list[UploadProblem]
    ) -> float | None:
        text = row.value.strip()
        if text.lower() in upload.NOT_PUBLISHED:
            return None  # not published: stored as unknown, never as zero
        number = upload.parse_number(text, self.parsed.decimal_comma)
        if number is None:
            out.append(
                _problem(
                    "not-a-number",
                    row,
                    row.value_column,
                    row.value,
                    f"'{row.value}' is geen getal.",
                    "Schrijf getallen als 1234,5 of 1.234,5 (met ;) of 1234.5 (met ,); "
                    "laat de cel leeg als het cijfer niet bekend is.",
                )
            )
            return None
        if spec is not None:
            bad = measures.check_value(spec, number)
            if bad is not None:
                out.append(_problem(bad.code, row, row.value_column, row.value, bad.message, bad.fix))
                return None
        return number


def check(parsed: ParsedUpload, areas: Areas) -> Checked:
    """Check every row of a parsed file; keep the valid ones and collect all problems.

    A file row is accepted or rejected as a whole (a wide row holds several values).
    A problem with the file itself (no row, or the header) rejects every row. The rows are
    checked as they are read, so only the accepted values are kept in memory.
    """
    checked = Checked()
    checker = _Checker(parsed, areas)
    found: list[UploadProblem] = []
    reported: set[tuple[str, int | None, str | None, str | None]] = set()
    for _, group in itertools.groupby(parsed.rows, key=lambda row: row.row):
        row_values: list[tuple[list[Any], str]] = []
        row_number = 0
        bad = False
        for row in group:
            row_number = row.row
            values, problems = checker.check(row)
            if problems:
                # a wide row repeats its area for every period: report such a problem once
                found.extend(p for p in problems if _once(p, reported))
                bad = True
            elif values is not None and not bad:
                row_values.append((values, row.source))
        if bad:
            checked.rejected.add(row_number)
            continue
        for values, source in row_values:
            for name, value in zip(_COLUMNS, values, strict=True):
                checked.columns[name].append(value)
            checked.file_rows.append(row_number)
            if source:
                checked.sources.add(source)
    # reading problems are complete only now that every row has been read
    checked.problems = [*parsed.problems, *found]
    checked.rows_total = parsed.data_rows
    checked.rejected |= {p.row for p in parsed.problems if p.row and p.row > 1 and p.severity == ERROR}
    if any(p.row in (None, 1) and p.severity == ERROR for p in checked.problems):
        checked.columns = {n: [] for n in _COLUMNS}
        checked.file_rows = []
        checked.sources = set()
        checked.rows_rejected = checked.rows_total
        return checked
    checked.rows_rejected = len(checked.rejected)
    return checked


def _once(problem: UploadProblem, reported: set[tuple[str, int | None, str | None, str | None]]) -> bool:
    key = (problem.code, problem.row, problem.column, problem.value)
    if key in reported:
        return False
    reported.add(key)
    return True


def check_conflicts(warehouse: Warehouse, checked: Checked, source_id: str) -> None:
    """Warn where another source already holds a figure: the newest load counts from now on.

    Nothing is added up twice (``Warehouse.current_observations`` keeps one value per
    measure, area and period) and the other source's value stays stored, but the analyst
    should know that an upload overrides it.
    """
    if not checked.rows_valid:
        return
    keys = pa.table(
        {
            "measure": checked.columns["measure"],
            "area_code": checked.columns["area_code"],
            "period": checked.columns["period"],
            "file_row": checked.file_rows,
        }
    )
    obs = warehouse.observations()
    obs = obs.filter(obs.source_id != source_id).select("measure", "area_code", "period", "source_id")
    hits = ibis.memtable(keys).join(obs, ["measure", "area_code", "period"]).execute()
    for hit in hits.sort_values("file_row").itertuples(index=False):
        checked.problems.append(
            UploadProblem(
                "conflict",
                int(hit.file_row),
                "measure",
                str(hit.measure),
                f"{hit.measure} voor {hit.area_code} in {hit.period} staat al in het warehouse "
                f"(bron {hit.source_id}); na het laden telt de waarde uit dit bestand, de andere "
                "blijft bewaard.",
                "Geen actie nodig als dit de bedoeling is; haal anders de rij uit het bestand.",
                WARNING,
            )
        )


# --------------------------------------------------------------------------- load


def import_bytes(
    warehouse: Warehouse,
    data: bytes,
    name: str,
    *,
    measure: str | None = None,
    valid_only: bool = False,
    loaded_by: str = "",
    origin: str = "",
    limits: upload.UploadLimits | None = None,
) -> UploadReport:
    """Check a file and load it as one batch, atomically; returns what happened.

    ``limits`` bounds what is read (rows, columns, cells, unpacked workbook size); None
    means the defaults of :class:`~veiligstad.sources.upload.UploadLimits`.
    """
    warehouse.ensure_schema()
    digest = hashlib.sha256(data).hexdigest()
    source_id = source_id_for(name)
    parsed = upload.parse(data, name, measure, limits)
    checked = check(parsed, known_areas(warehouse))
    check_conflicts(warehouse, checked, source_id)
    report = UploadReport(
        file=name,
        source_id=source_id,
        file_hash=digest,
        shape=parsed.shape,
        outcome="geweigerd",
        rows_total=checked.rows_total,
        rows_loaded=0,
        rows_rejected=checked.rows_rejected,
        problems=checked.problems,
    )
    if checked.errors and not valid_only:
        return report
    if checked.rows_valid == 0:
        return report
    if warehouse.has_batch(source_id, digest):
        report.outcome = "ongewijzigd"
        report.rows_rejected = 0 if not checked.errors else checked.rows_rejected
        return report
    batch = Batch(
        batch_id=f"{source_id}@{digest[:12]}",
        source_id=source_id,
        title=f"Upload {name}",
        publisher=loaded_by or "onbekend",
        attribution="Bron: " + "; ".join(sorted(checked.sources)) if checked.sources else "Bron: upload",
        table_id=None,
        file=name,
        file_hash=digest,
        origin=origin,
        licence="",
        notes=f"Geladen met veiligstad import file ({parsed.shape}); "
        f"{checked.rows_rejected} rij(en) afgewezen.",
        rows=checked.rows_valid,
        loaded_at=dt.datetime.now(dt.UTC),
        kind="upload",
        rows_rejected=checked.rows_rejected,
        loaded_by=loaded_by,
    )
    warehouse.replace_source(batch, _arrow(checked, batch))
    report.outcome = "geladen"
    report.rows_loaded = checked.rows_valid
    report.batch_id = batch.batch_id
    return report


def _arrow(checked: Checked, batch: Batch) -> pa.Table:
    n = checked.rows_valid
    data = dict(checked.columns)
    data["source_id"] = [batch.source_id] * n
    data["batch_id"] = [batch.batch_id] * n
    return pa.Table.from_pydict(
        {name: data[name] for name in OBSERVATION_SCHEMA.names}, schema=OBSERVATION_SCHEMA.to_pyarrow()
    )
