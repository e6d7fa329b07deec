# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad import cbs``: fetch one CBS / Politie table for one gemeente and load it.

Fetching (network) and storing (warehouse) are separate steps: everything is fetched and
validated first, so a network failure or a bad answer changes nothing. Storing is one
atomic ``replace_source`` with history; the same figures again (same content hash) are a
no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from veiligstad.errors import DataError
from veiligstad.progress import Progress, no_progress
from veiligstad.sources.cbs_odata import (
    Normalised,
    ODataClient,
    TableDefinition,
    TableMetadata,
    check_metadata,
    dataset_requests,
    normalise,
)
from veiligstad.storage.warehouse import OBSERVATION_SCHEMA, Batch, Warehouse

_MUNICIPALITY = re.compile(r"^GM\d{4}$")


@dataclass
class Fetched:
    """A table fetched and normalised, not yet stored."""

    definition: TableDefinition
    metadata: TableMetadata
    municipality: str
    since: int | None
    normalised: Normalised
    retrieved_at: dt.datetime
    requests: int
    pages: int

    @property
    def source_id(self) -> str:
        return f"cbs-{self.definition.table_id}-{self.municipality}".lower()

    def content_hash(self) -> str:
        """SHA-256 over the normalised observations (stable order, no batch ids)."""
        frame = self.normalised.frame
        text = frame.to_csv(index=False, lineterminator="\n", float_format="%.10g")
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ImportReport:
    """What an import did, for the CLI summary (Dutch) and --json."""

    table_id: str
    title: str
    source_id: str
    municipality: str
    loaded: bool
    rows: int
    rows_per_measure: dict[str, int] = field(default_factory=dict)
    periods: list[str] = field(default_factory=list)
    provisional: list[str] = field(default_factory=list)
    withheld: int = 0
    pages: int = 0
    batch_id: str = ""
    notes: str = ""


def check_municipality(code: str) -> str:
    cleaned = code.strip().upper()
    if not _MUNICIPALITY.match(cleaned):
        raise DataError(f"Ongeldige gemeentecode '{code}'.", hint="Gebruik de CBS-code, bijv. GM0935.")
    return cleaned


def fetch_table(
    definition: TableDefinition,
    municipality: str,
    since: int | None,
    client: ODataClient,
    progress: Progress = no_progress,
) -> Fetched:
    """Read metadata and data of one table for one gemeente; validate; touch no warehouse."""
    code = check_municipality(municipality)
    progress("metadata", 0, 1)
    metadata = client.metadata(definition)
    check_metadata(definition, metadata)  # a renamed topic stops here, before any data is read
    requests = dataset_requests(definition, metadata, code, since)
    if not requests:
        raise DataError(
            f"Tabel {definition.table_id} heeft geen perioden"
            + (f" vanaf {since}" if since else "")
            + ". Er is niets gewijzigd."
        )
    rows = []
    pages = 0
    for index, (url, params) in enumerate(requests, start=1):
        progress(f"{definition.table_id} deel {index}/{len(requests)}", index - 1, len(requests))
        for page in client.pages(url, params):
            pages += 1
            rows.extend(page)
            progress(f"{definition.table_id} pagina {pages}", index - 1, len(requests))
    progress(definition.table_id, len(requests), len(requests))
    normalised = normalise(definition, metadata, rows, code)
    if normalised.frame.empty:
        raise DataError(
            f"Tabel {definition.table_id} heeft geen cijfers voor {code}"
            + (f" vanaf {since}" if since else "")
            + ". Er is niets gewijzigd.",
            hint="Controleer de gemeentecode en --since.",
        )
    return Fetched(
        definition=definition,
        metadata=metadata,
        municipality=code,
        since=since,
        normalised=normalised,
        retrieved_at=dt.datetime.now(dt.UTC),
        requests=len(requests),
        pages=pages,
    )


def store(warehouse: Warehouse, fetched: Fetched, loaded_by: str = "") -> ImportReport:
    """Make the fetched figures the current version of their source (no-op if unchanged)."""
    warehouse.ensure_schema()
    definition = fetched.definition
    frame = fetched.normalised.frame
    digest = fetched.content_hash()
    source_id = fetched.source_id
    report = ImportReport(
        table_id=definition.table_id,
        title=fetched.metadata.title,
        source_id=source_id,
        municipality=fetched.municipality,
        loaded=False,
        rows=len(frame),
        rows_per_measure={str(k): int(v) for k, v in frame.groupby("measure").size().items()},
        periods=sorted(set(frame["period"])),
        provisional=fetched.normalised.provisional,
        withheld=fetched.normalised.withheld,
        pages=fetched.pages,
        batch_id=f"{source_id}@{digest[:12]}",
        notes=_notes(fetched),
    )
    if warehouse.has_batch(source_id, digest):
        return report
    batch = table_batch(
        definition,
        batch_id=report.batch_id,
        source_id=source_id,
        title=fetched.metadata.title,
        file_hash=digest,
        notes=report.notes,
        rows=len(frame),
        retrieved_at=fetched.retrieved_at,
        loaded_by=loaded_by,
    )
    warehouse.replace_source(batch, _to_arrow(frame, batch))
    report.loaded = True
    return report


def table_batch(
    definition: TableDefinition,
    *,
    batch_id: str,
    source_id: str,
    title: str,
    file_hash: str,
    notes: str,
    rows: int,
    retrieved_at: dt.datetime,
    loaded_by: str,
) -> Batch:
    """The provenance of a load from a CBS/Politie OData table (``import cbs`` and ``update``)."""
    return Batch(
        batch_id=batch_id,
        source_id=source_id,
        title=title,
        publisher=definition.publisher,
        attribution=definition.attribution,
        table_id=definition.table_id,
        file=f"{definition.base_url}{definition.table_id}/TypedDataSet",
        file_hash=file_hash,
        origin=f"{definition.host} (OData {definition.api})",
        licence=definition.licence,
        notes=notes,
        rows=rows,
        loaded_at=dt.datetime.now(dt.UTC),
        kind="cbs",
        retrieved_at=retrieved_at,
        loaded_by=loaded_by,
    )


def import_table(
    warehouse: Warehouse,
    definition: TableDefinition,
    municipality: str,
    since: int | None,
    client: ODataClient,
    loaded_by: str = "",
    progress: Progress = no_progress,
) -> ImportReport:
    """Fetch, validate and store one table for one gemeente."""
    fetched = fetch_table(definition, municipality, since, client, progress)
    return store(warehouse, fetched, loaded_by)


def _notes(fetched: Fetched) -> str:
    parts = [f"Gemeente {fetched.municipality}"]
    if fetched.since:
        parts.append(f"vanaf {fetched.since}")
    if fetched.metadata.modified:
        parts.append(f"tabel gewijzigd {fetched.metadata.modified}")
    if fetched.metadata.explanatory_text:
        parts.append(fetched.metadata.explanatory_text)
    if fetched.normalised.provisional:
        parts.append(f"voorlopig: {', '.join(fetched.normalised.provisional)}")
    if fetched.definition.notes:
        parts.append(fetched.definition.notes.strip())
    return ". ".join(parts)


def _to_arrow(frame: pd.DataFrame, batch: Batch) -> pa.Table:
    rows = frame.assign(source_id=batch.source_id, batch_id=batch.batch_id)
    return pa.Table.from_pandas(
        rows[list(OBSERVATION_SCHEMA.names)],
        schema=OBSERVATION_SCHEMA.to_pyarrow(),
        preserve_index=False,
    )
