# SPDX-License-Identifier: EUPL-1.2
"""The warehouse: observations, areas and import batches behind one Ibis connection.

DuckDB (one file) is the default; any Ibis backend URL works. Connections are
short-lived (open, work, close), so a running server does not lock out the CLI.
Ibis has no transaction API: a source is replaced by deleting its rows and inserting the
new ones, and its batch record is written last, so an interrupted load is simply redone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from veiligstad.errors import WarehouseError

OBSERVATIONS = "observations"
AREAS = "areas"
BATCHES = "batches"

OBSERVATION_SCHEMA = ibis.schema(
    {
        "measure": "string",
        "area_code": "string",
        "period": "string",
        "period_type": "string",
        "year": "int32",
        "value": "float64",
        "unit": "string",
        "status": "string",
        "source_id": "string",
        "batch_id": "string",
    }
)
AREA_SCHEMA = ibis.schema(
    {
        "code": "string",
        "name": "string",
        "level": "string",
        "wijk_code": "string",
        "stadsdeel_code": "string",
        "gemeente_code": "string",
        "boundary_year": "int32",
        "geometry": "string",
    }
)
BATCH_SCHEMA = ibis.schema(
    {
        "batch_id": "string",
        "source_id": "string",
        "title": "string",
        "publisher": "string",
        "attribution": "string",
        "table_id": "string",
        "file": "string",
        "file_hash": "string",
        "origin": "string",
        "licence": "string",
        "notes": "string",
        "rows": "int64",
        "loaded_at": "timestamp('UTC')",
    }
)
SCHEMAS = {OBSERVATIONS: OBSERVATION_SCHEMA, AREAS: AREA_SCHEMA, BATCHES: BATCH_SCHEMA}

_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


@dataclass(frozen=True)
class Batch:
    """Provenance of one load: where the figures came from and when they were loaded."""

    batch_id: str
    source_id: str
    title: str
    publisher: str
    attribution: str
    table_id: str | None
    file: str
    file_hash: str
    origin: str
    licence: str
    notes: str
    rows: int
    loaded_at: Any


def _prepare_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "duckdb" and parsed.path not in ("", "/", "/:memory:"):
        Path(parsed.path).parent.mkdir(parents=True, exist_ok=True)
    return url


class Warehouse:
    """An open connection to the warehouse; use ``Warehouse.open(url)``."""

    def __init__(self, connection: Any, url: str) -> None:
        self.con = connection
        self.url = url

    @classmethod
    @contextmanager
    def open(cls, url: str) -> Iterator[Warehouse]:
        """Connect, yield, and always disconnect."""
        try:
            con = ibis.connect(_prepare_url(url))
        except Exception as exc:  # every backend raises its own error types
            raise WarehouseError(
                f"Kan het warehouse niet openen ({url}): {exc}",
                hint="Controleer VEILIGSTAD_DATABASE_URL.",
            ) from exc
        try:
            yield cls(con, url)
        finally:
            con.disconnect()

    def ensure_schema(self) -> None:
        """Create missing tables; existing tables are left alone."""
        existing = set(self.con.list_tables())
        for name, schema in SCHEMAS.items():
            if name not in existing:
                self.con.create_table(name, schema=schema)

    def table(self, name: str) -> ir.Table:
        """A deferred table expression."""
        return self.con.table(name)

    def observations(self) -> ir.Table:
        """All observations."""
        return self.table(OBSERVATIONS)

    def areas(self) -> ir.Table:
        """All areas."""
        return self.table(AREAS)

    def batches(self) -> ir.Table:
        """All import batches (provenance)."""
        return self.table(BATCHES)

    def has_batch(self, source_id: str, file_hash: str) -> bool:
        """Whether this exact version of a source is loaded already."""
        b = self.batches()
        found = b.filter((b.source_id == source_id) & (b.file_hash == file_hash)).count()
        return bool(found.execute())

    def replace_source(self, batch: Batch, rows: pa.Table) -> None:
        """Replace every observation of a source by ``rows`` and record the batch."""
        source = _checked(batch.source_id)
        self.con.raw_sql(f"DELETE FROM {OBSERVATIONS} WHERE source_id = '{source}'")
        self.con.raw_sql(f"DELETE FROM {BATCHES} WHERE source_id = '{source}'")
        if rows.num_rows:
            self.con.insert(OBSERVATIONS, rows.select(OBSERVATION_SCHEMA.names))
        self._record(batch)

    def replace_areas(self, rows: pa.Table, batch: Batch) -> None:
        """Replace the area register and record where it came from."""
        self.con.raw_sql(f"DELETE FROM {AREAS}")
        self.con.raw_sql(f"DELETE FROM {BATCHES} WHERE source_id = '{_checked(batch.source_id)}'")
        self.con.insert(AREAS, rows.select(AREA_SCHEMA.names))
        self._record(batch)

    def _record(self, batch: Batch) -> None:
        record = pa.Table.from_pylist([asdict(batch)], schema=BATCH_SCHEMA.to_pyarrow())
        self.con.insert(BATCHES, record)

    def is_empty(self) -> bool:
        """Whether nothing has been loaded yet."""
        if BATCHES not in self.con.list_tables():
            return True
        return int(self.batches().count().execute()) == 0


def _checked(identifier: str) -> str:
    if not _SAFE_ID.match(identifier):
        raise WarehouseError(f"Ongeldige bron-id '{identifier}'.")
    return identifier
