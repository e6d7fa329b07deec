# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad init``: load the embedded real data into the warehouse, idempotently.

Each source is loaded once per version (SHA-256 of its file). Loading it again changes
nothing; a changed file replaces that source's rows. Runs when the user asks (``init``) and
by itself on first use: when a command or ``serve`` finds a new, empty warehouse. A DuckDB
file that disappears while a process uses it is not made again (``WarehouseMissing``), so a
running server never fills a fresh file with the embedded data and loses the accounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from veiligstad.errors import Problem
from veiligstad.progress import Progress, no_progress
from veiligstad.sources import embedded
from veiligstad.sources.category_mapping import CategoryMapping, apply_mapping, load_mapping
from veiligstad.storage.warehouse import (
    AREA_SCHEMA,
    OBSERVATION_SCHEMA,
    Batch,
    Warehouse,
)

MAPPING_FILE = "iva-maastricht.yaml"
AREAS_SOURCE = "areas"
#: Title of the embedded area register (veiligstad's own words, not a publisher's title).
AREAS_TITLE = "Gebiedsindeling en grenzen"
#: Added to a publisher's title for the source veiligstad derives from it with a mapping.
MAPPED_SUFFIX = " — gekoppeld aan politiecodes"


@dataclass
class InitReport:
    """What ``init`` did: per source the rows loaded, or that it was already there."""

    loaded: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _batch(entry: embedded.SourceEntry, digest: str, rows: int) -> Batch:
    return Batch(
        batch_id=f"{entry.id}@{digest[:12]}",
        source_id=entry.id,
        title=entry.title,
        publisher=entry.publisher,
        attribution=entry.attribution,
        table_id=entry.table_id,
        file=entry.original_file or entry.file,
        file_hash=digest,
        origin=entry.origin,
        licence=entry.licence,
        notes=entry.notes,
        rows=rows,
        loaded_at=dt.datetime.now(dt.UTC),
    )


def _to_arrow(frame: pd.DataFrame, batch: Batch) -> pa.Table:
    rows = frame.assign(source_id=batch.source_id, batch_id=batch.batch_id)
    rows = rows.astype({"value": "float64"})
    return pa.Table.from_pandas(
        rows[list(OBSERVATION_SCHEMA.names)],
        schema=OBSERVATION_SCHEMA.to_pyarrow(),
        preserve_index=False,
    )


def initialise(warehouse: Warehouse, progress: Progress = no_progress) -> InitReport:
    """Load every embedded source that is not loaded in this version yet."""
    report = InitReport()
    warehouse.ensure_schema()
    entries = embedded.manifest()
    mapping_path = embedded.data_root() / "mappings" / MAPPING_FILE
    mapping = load_mapping(mapping_path)
    total = len(entries) + 1
    progress("gebieden", 0, total)
    _load_areas(warehouse, report)
    for index, entry in enumerate(entries, start=1):
        progress(entry.id, index, total)
        path = embedded.embedded_root() / entry.file
        _load_source(warehouse, entry, path, report)
        if entry.id == mapping.source:
            _load_mapped(warehouse, entry, path, mapping, mapping_path, report)
    progress("klaar", total, total)
    return report


def _load_areas(warehouse: Warehouse, report: InitReport) -> None:
    """The area register with its boundaries, as one batch."""
    folder = embedded.embedded_root() / "areas"
    digest = embedded.file_hash(
        folder / "areas.csv", folder / "maastricht.geojson", folder / "gemeenten_2022.geojson"
    )
    if warehouse.has_batch(AREAS_SOURCE, digest):
        report.unchanged.append(AREAS_SOURCE)
        return
    areas = embedded.read_areas()
    table = pa.Table.from_pandas(areas, schema=AREA_SCHEMA.to_pyarrow(), preserve_index=False)
    entry = embedded.SourceEntry(
        id=AREAS_SOURCE,
        file="areas/areas.csv",
        title=AREAS_TITLE,
        publisher="CBS / Gemeente Maastricht",
        attribution="Bron: CBS, PDOK, Gemeente Maastricht",
        notes="zie data/embedded/README.md",
    )
    warehouse.replace_areas(table, _batch(entry, digest, len(areas)))
    report.loaded[AREAS_SOURCE] = len(areas)


def _load_source(warehouse: Warehouse, entry: embedded.SourceEntry, path: Path, report: InitReport) -> None:
    """One observation file, unless this version of it is loaded already."""
    digest = embedded.file_hash(path)
    if warehouse.has_batch(entry.id, digest):
        report.unchanged.append(entry.id)
        return
    frame = embedded.read_observations(path, entry.status)
    batch = _batch(entry, digest, len(frame))
    warehouse.replace_source(batch, _to_arrow(frame, batch))
    report.loaded[entry.id] = len(frame)


def _load_mapped(
    warehouse: Warehouse,
    entry: embedded.SourceEntry,
    path: Path,
    mapping: CategoryMapping,
    mapping_path: Path,
    report: InitReport,
) -> None:
    """Police crime-type codes derived from a source's own categories."""
    digest = embedded.file_hash(path, mapping_path)
    if warehouse.has_batch(mapping.derived_source, digest):
        report.unchanged.append(mapping.derived_source)
        return
    derived = entry.model_copy(
        update={
            "id": mapping.derived_source,
            "title": f"{entry.title}{MAPPED_SUFFIX}",
            "notes": f"Afgeleid met data/mappings/{mapping_path.name}. {entry.notes}",
        }
    )
    coded, problems = apply_mapping(embedded.read_observations(path, entry.status), mapping)
    report.problems.extend(problems)
    coded["unit"] = "aantal"
    coded = embedded.with_period_columns(coded)
    batch = _batch(derived, digest, len(coded))
    warehouse.replace_source(batch, _to_arrow(coded, batch))
    report.loaded[derived.id] = len(coded)
