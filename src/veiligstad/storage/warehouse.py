# SPDX-License-Identifier: EUPL-1.2
"""The warehouse: observations, areas and import batches behind one Ibis connection.

DuckDB (one file) is the default; any Ibis backend URL works. Connections are
short-lived (open, work, close), so a running server does not lock out the CLI.

Loads are atomic. Ibis has no transaction API, so a load first writes its rows to a
scratch table (``_stage_…``; a process killed there leaves only that table, which the next
open removes) and then, in one backend transaction, moves the source's current rows to
``observations_history``, inserts the staged rows and records the batch. A corrected
file therefore replaces the earlier version, and the earlier version stays in the
history with its batch record (``replaced_by``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from veiligstad.errors import WarehouseError

OBSERVATIONS = "observations"
HISTORY = "observations_history"
AREAS = "areas"
BATCHES = "batches"
USERS = "users"
STAGE_PREFIX = "_stage_"

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
        "kind": "string",
        "retrieved_at": "timestamp('UTC')",
        "rows_rejected": "int64",
        "loaded_by": "string",
        "replaced_by": "string",
    }
)
USER_SCHEMA = ibis.schema(
    {
        "username": "string",
        "role": "string",
        "password_hash": "string",
        "disabled": "boolean",
        "created_at": "timestamp('UTC')",
        "created_by": "string",
        "session_generation": "int64",
    }
)

SCHEMAS = {
    OBSERVATIONS: OBSERVATION_SCHEMA,
    HISTORY: OBSERVATION_SCHEMA,
    AREAS: AREA_SCHEMA,
    BATCHES: BATCH_SCHEMA,
    USERS: USER_SCHEMA,
}

_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_SQL_TYPES = {
    dt.String: "VARCHAR",
    dt.Int32: "INTEGER",
    dt.Int64: "BIGINT",
    dt.Float64: "DOUBLE PRECISION",
    dt.Boolean: "BOOLEAN",
    dt.Timestamp: "TIMESTAMP WITH TIME ZONE",
}


@dataclass(frozen=True)
class Batch:
    """Provenance of one load: where the figures came from, when and by whom they were loaded.

    ``rows`` counts the rows accepted, ``rows_rejected`` those left out (only when the
    user asked to load the valid rows of a file with problems).
    """

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
    kind: str = "embedded"
    retrieved_at: Any = None
    rows_rejected: int = 0
    loaded_by: str = ""
    replaced_by: str | None = field(default=None)


def _prepare_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme == "duckdb" and parsed.path not in ("", "/", "/:memory:"):
        Path(parsed.path).parent.mkdir(parents=True, exist_ok=True)
    return url


def fingerprint(url: str) -> str | None:
    """Something that changes whenever the warehouse is written, read without opening it.

    For a DuckDB file: size and modification time of the file and its write-ahead log.
    ``None`` for other backends: callers then ask the open warehouse (``Warehouse.state``).
    """
    parsed = urlparse(url)
    if parsed.scheme != "duckdb" or parsed.path in ("", "/", "/:memory:"):
        return None
    parts = []
    for path in (Path(parsed.path), Path(parsed.path + ".wal")):
        try:
            stat = path.stat()
        except FileNotFoundError:
            parts.append("-")
            continue
        parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


class Warehouse:
    """An open connection to the warehouse; use ``Warehouse.open(url)``."""

    def __init__(self, connection: Any, url: str) -> None:
        self.con = connection
        self.url = url

    @classmethod
    @contextmanager
    def open(cls, url: str) -> Iterator[Warehouse]:
        """Connect, remove scratch tables of interrupted loads, yield, and always disconnect."""
        try:
            con = ibis.connect(_prepare_url(url))
        except Exception as exc:  # every backend raises its own error types
            raise WarehouseError(
                f"Kan het warehouse niet openen ({url}): {exc}",
                hint="Controleer VEILIGSTAD_DATABASE_URL.",
            ) from exc
        try:
            warehouse = cls(con, url)
            warehouse.drop_stale_stages()
            yield warehouse
        finally:
            con.disconnect()

    def ensure_schema(self) -> None:
        """Create missing tables and add columns that newer versions introduced."""
        existing = set(self.con.list_tables())
        for name, schema in SCHEMAS.items():
            if name not in existing:
                self.con.create_table(name, schema=schema)
                continue
            present = set(self.con.table(name).columns)
            for column, dtype in schema.items():
                if column not in present:
                    sql_type = _SQL_TYPES[type(dtype)]
                    self.con.raw_sql(f'ALTER TABLE {name} ADD COLUMN "{column}" {sql_type}')

    def drop_stale_stages(self) -> None:
        """Remove scratch tables left by a load that was killed before it committed."""
        for name in self.con.list_tables():
            if name.startswith(STAGE_PREFIX):
                self.drop(name)

    def table(self, name: str) -> ir.Table:
        """A deferred table expression."""
        return self.con.table(name)

    def observations(self) -> ir.Table:
        """All current observations."""
        return self.table(OBSERVATIONS)

    def current_observations(self) -> ir.Table:
        """One value per measure, area and period: where two sources hold the same figure
        (e.g. the embedded 47018NED extract and a later import of that table), the most
        recently loaded batch wins, so a figure is never counted twice."""
        obs = self.observations()
        batches = self.batches()
        loads = batches.select(b_id=batches.batch_id, b_loaded=batches.loaded_at)
        joined = obs.join(loads, obs.batch_id == loads.b_id)
        window = ibis.window(
            group_by=[joined.measure, joined.area_code, joined.period],
            order_by=[ibis.desc(joined.b_loaded), ibis.desc(joined.batch_id)],
        )
        ranked = joined.mutate(load_rank=ibis.row_number().over(window))
        return ranked.filter(ranked.load_rank == 0).select(*OBSERVATION_SCHEMA.names)

    def history(self) -> ir.Table:
        """Observations of earlier versions of a source, replaced by a later load."""
        return self.table(HISTORY)

    def areas(self) -> ir.Table:
        """All areas."""
        return self.table(AREAS)

    def batches(self) -> ir.Table:
        """All import batches (provenance), current and replaced."""
        return self.table(BATCHES)

    def users(self) -> ir.Table:
        """Local accounts of the dashboard (password hashes only)."""
        return self.table(USERS)

    def save_user(self, record: dict[str, Any]) -> None:
        """Insert or replace one account, atomically."""
        stage = self.stage(pa.Table.from_pylist([record], schema=USER_SCHEMA.to_pyarrow()))
        columns = _column_list(USER_SCHEMA)
        with self.transaction():
            self.con.raw_sql(f"DELETE FROM {USERS} WHERE username IN (SELECT username FROM {stage})")
            self.con.raw_sql(f"INSERT INTO {USERS} ({columns}) SELECT {columns} FROM {stage}")
        self.drop(stage)

    def remove_user(self, username: str) -> bool:
        """Delete one account; whether it existed."""
        users = self.users()
        existed = bool(users.filter(users.username == username).count().execute())
        if existed:
            stage = self.stage(pa.table({"username": [username]}))
            self.con.raw_sql(f"DELETE FROM {USERS} WHERE username IN (SELECT username FROM {stage})")
            self.drop(stage)
        return existed

    def has_batch(self, source_id: str, file_hash: str) -> bool:
        """Whether this exact version of a source is the current one."""
        b = self.batches()
        found = b.filter(
            (b.source_id == source_id) & (b.file_hash == file_hash) & b.replaced_by.isnull()
        ).count()
        return bool(found.execute())

    def replace_source(self, batch: Batch, rows: pa.Table) -> None:
        """Make ``rows`` the current observations of a source, atomically, keeping history."""
        source = _checked(batch.source_id)
        stage = self.stage(rows.select(OBSERVATION_SCHEMA.names))
        columns = _column_list(OBSERVATION_SCHEMA)
        with self.transaction():
            self.con.raw_sql(
                f"INSERT INTO {HISTORY} ({columns}) "
                f"SELECT {columns} FROM {OBSERVATIONS} WHERE source_id = '{source}'"
            )
            self.con.raw_sql(f"DELETE FROM {OBSERVATIONS} WHERE source_id = '{source}'")
            self.con.raw_sql(f"INSERT INTO {OBSERVATIONS} ({columns}) SELECT {columns} FROM {stage}")
            self._record(batch)
        self.drop(stage)

    def replace_areas(self, rows: pa.Table, batch: Batch) -> None:
        """Replace the area register and record where it came from, atomically."""
        stage = self.stage(rows.select(AREA_SCHEMA.names))
        columns = _column_list(AREA_SCHEMA)
        with self.transaction():
            self.con.raw_sql(f"DELETE FROM {AREAS}")
            self.con.raw_sql(f"INSERT INTO {AREAS} ({columns}) SELECT {columns} FROM {stage}")
            self._record(batch)
        self.drop(stage)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One backend transaction: everything inside is written, or nothing."""
        self.con.raw_sql("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.raw_sql("ROLLBACK")
            raise
        self.con.raw_sql("COMMIT")

    def drop(self, name: str) -> None:
        """Drop a table if it exists (scratch tables)."""
        self.con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')

    def stage(self, rows: pa.Table) -> str:
        """Write rows to a new scratch table; commit them with one INSERT … SELECT."""
        name = f"{STAGE_PREFIX}{uuid.uuid4().hex}"
        self.con.create_table(name, schema=ibis.Schema.from_pyarrow(rows.schema))
        if rows.num_rows:
            self.con.insert(name, rows)
        return name

    def _record(self, batch: Batch) -> None:
        """Mark the source's current batch as replaced and insert the new one (in a transaction)."""
        source = _checked(batch.source_id)
        new_id = batch.batch_id.replace("'", "''")
        self.con.raw_sql(
            f"UPDATE {BATCHES} SET replaced_by = '{new_id}' "
            f"WHERE source_id = '{source}' AND replaced_by IS NULL"
        )
        record = pa.Table.from_pylist([asdict(batch)], schema=BATCH_SCHEMA.to_pyarrow())
        stage = self.stage(record)
        columns = _column_list(BATCH_SCHEMA)
        self.con.raw_sql(f"INSERT INTO {BATCHES} ({columns}) SELECT {columns} FROM {stage}")
        self.drop(stage)

    def state(self) -> str:
        """Changes with every load, every account change and every change to the action programme.

        Three parts joined by ``|``: the data (batch count and newest load), the accounts (count and
        newest save: every save stamps ``created_at``) and the action programme (``audit_log`` rows).
        """
        batches = self.batches()
        summary = batches.aggregate(n=batches.count(), last=batches.loaded_at.max()).to_pandas()
        tables = set(self.con.list_tables())
        accounts = "0"
        if USERS in tables:
            users = self.users()
            latest = users.aggregate(n=users.count(), last=users.created_at.max()).to_pandas()
            accounts = f"{int(latest['n'].iloc[0])}@{latest['last'].iloc[0]}"
        changes = self.table("audit_log").count().execute() if "audit_log" in tables else 0
        return f"{int(summary['n'].iloc[0])}@{summary['last'].iloc[0]}|{accounts}|{changes}"

    def is_empty(self) -> bool:
        """Whether nothing has been loaded yet."""
        if BATCHES not in self.con.list_tables():
            return True
        return int(self.batches().count().execute()) == 0


def _column_list(schema: ibis.Schema) -> str:
    """Quoted column names for hand-written SQL (``rows`` is a keyword in some dialects)."""
    return ", ".join(f'"{name}"' for name in schema.names)


def _checked(identifier: str) -> str:
    if not _SAFE_ID.match(identifier):
        raise WarehouseError(f"Ongeldige bron-id '{identifier}'.")
    return identifier
