# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad import boundaries``: merge a boundary file into the area register.

Existing codes get the new geometry, name and boundary year; new codes are added with
their parents derived from the code. Codes that the warehouse has for a gemeente but the
file has not (and the other way round) are reported as *gewijzigde codes*: observations
are never re-linked to other codes silently. The whole area table is written at once
through ``Warehouse.replace_areas`` with its own batch record (kind ``boundaries``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from veiligstad.errors import DataError, Problem
from veiligstad.sources import embedded
from veiligstad.sources.boundaries import read_boundaries
from veiligstad.storage.warehouse import AREA_SCHEMA, Batch, Warehouse

#: Below this many gemeenten a gemeente file is a selection: absent gemeenten are not reported.
NATIONAL_GEMEENTEN = 100


@dataclass
class BoundaryReport:
    """What an import of boundaries did."""

    file: str
    year: int
    source_crs: str = ""
    source_id: str = ""
    unchanged: bool = False
    updated: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    #: per gemeente: codes the warehouse has (same level) but the file has not
    missing_in_file: dict[str, list[str]] = field(default_factory=dict)
    #: per gemeente: codes the file has but the warehouse had not
    new_in_file: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed_codes(self) -> bool:
        """Whether codes differ between the file and the warehouse."""
        return bool(self.missing_in_file or self.new_in_file)


def _source_id(levels: list[str], gemeenten: list[str], year: int) -> str:
    level = levels[0] if len(levels) == 1 else "gebieden"
    scope = f"-{gemeenten[0].lower()}" if len(gemeenten) == 1 else ""
    return f"grenzen-{level}-{year}{scope}"


def import_boundaries(
    warehouse: Warehouse,
    path: Path,
    year: int,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
    user: str | None = None,
    now: dt.datetime | None = None,
    max_bytes: int | None = None,
) -> BoundaryReport:
    """Import one boundary file; idempotent for the same file, year and options."""
    if not 1900 <= year <= 2100:
        raise DataError(
            f"Ongeldig grensjaar {year}.", hint="Geef het jaar van de indeling, bijv. --year 2024."
        )
    warehouse.ensure_schema()
    parsed = read_boundaries(
        path, level=level, code_field=code_field, name_field=name_field, layer=layer, max_bytes=max_bytes
    )
    incoming = parsed.frame
    report = BoundaryReport(file=path.name, year=year, source_crs=parsed.source_crs, problems=parsed.problems)
    levels = sorted(incoming["level"].unique())
    gemeenten = sorted(incoming["gemeente_code"].unique())
    report.source_id = _source_id(levels, gemeenten, year)
    options = f"{year}|{level}|{code_field}|{name_field}|{layer}".encode()
    digest = embedded.file_hash(path)
    batch_hash = f"{digest}:{options.hex()[:16]}"
    if warehouse.has_batch(report.source_id, batch_hash):
        report.unchanged = True
        return report

    current = warehouse.areas().to_pandas()
    current = current.astype(object).where(current.notna(), None)
    known = set(current["code"])
    _report_code_changes(current, incoming, report)

    by_code = incoming.set_index("code")
    merged = current.copy()
    hit = merged["code"].isin(by_code.index)
    for column in ("geometry", "level", "wijk_code", "gemeente_code"):
        merged.loc[hit, column] = merged.loc[hit, "code"].map(by_code[column])
    names = merged.loc[hit, "code"].map(by_code["name"])
    merged.loc[hit, "name"] = names.where(names.notna(), merged.loc[hit, "name"])
    merged.loc[hit, "boundary_year"] = year
    report.updated = sorted(merged.loc[hit, "code"])

    new = incoming[~incoming["code"].isin(known)].copy()
    new["stadsdeel_code"] = None
    new["boundary_year"] = year
    new["name"] = new["name"].where(new["name"].notna(), new["code"])
    report.added = sorted(new["code"])
    table_frame = pd.concat([merged, new[list(AREA_SCHEMA.names)]], ignore_index=True)
    table_frame["boundary_year"] = pd.to_numeric(table_frame["boundary_year"]).astype("Int32")
    table = pa.Table.from_pandas(
        table_frame[list(AREA_SCHEMA.names)], schema=AREA_SCHEMA.to_pyarrow(), preserve_index=False
    )
    batch = Batch(
        batch_id=f"{report.source_id}@{digest[:12]}",
        source_id=report.source_id,
        title=f"Gebiedsgrenzen {', '.join(levels)} {year}",
        publisher="",
        attribution="Bron: CBS / PDOK (tenzij anders vermeld)",
        table_id=None,
        file=path.name,
        file_hash=batch_hash,
        origin=str(path),
        licence="",
        notes=(
            f"Grensjaar {year}; CRS van het bestand {parsed.source_crs}, omgezet naar EPSG:4326. "
            f"{len(report.updated)} bijgewerkt, {len(report.added)} nieuw."
        ),
        rows=len(incoming),
        loaded_at=now or dt.datetime.now(dt.UTC),
        kind="boundaries",
        retrieved_at=None,
        loaded_by=user or "",
    )
    warehouse.replace_areas(table, batch)
    return report


def _report_code_changes(current: pd.DataFrame, incoming: pd.DataFrame, report: BoundaryReport) -> None:
    """Codes present on one side only, per gemeente and level (never joined silently)."""
    for (gemeente, level), group in incoming[incoming["level"] != "gemeente"].groupby(
        ["gemeente_code", "level"]
    ):
        scope = current[(current["gemeente_code"] == gemeente) & (current["level"] == level)]
        _compare(str(gemeente), set(scope["code"]), set(group["code"]), report)
    file_gemeenten = set(incoming.loc[incoming["level"] == "gemeente", "code"])
    if file_gemeenten:
        stored = set(current.loc[current["level"] == "gemeente", "code"])
        if len(file_gemeenten) < NATIONAL_GEMEENTEN:
            # A selection of gemeenten: only the new codes say something.
            stored &= file_gemeenten
        _compare("gemeenten", stored, file_gemeenten, report)


def _compare(key: str, stored: set[str], in_file: set[str], report: BoundaryReport) -> None:
    if missing := sorted(stored - in_file):
        report.missing_in_file[key] = missing
    if new := sorted(in_file - stored):
        report.new_in_file[key] = new
