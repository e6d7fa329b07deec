# SPDX-License-Identifier: EUPL-1.2
"""The warehouse: observations, areas and import batches behind one Ibis connection.

DuckDB (one file) is the default; any Ibis backend URL works. Connections are
short-lived (open, work, close), so a running server does not lock out the CLI. DuckDB
admits one writing process at a time: ``Warehouse.open`` waits for it, within a bound
(``VEILIGSTAD_WRITE_WAIT_SECONDS`` at the edges, see ``set_wait``), and then says which
process holds the file.

Loads are atomic. In one backend transaction a load moves the source's current rows to
``observations_history``, inserts the new rows and records the batch. The new rows come
from the caller's Arrow table: DuckDB reads it directly (registered on the connection,
``loadable``); PostgreSQL from a scratch table filled with COPY before the transaction.
A corrected file therefore replaces the earlier version, and the earlier version stays in
the history with its batch record (``replaced_by``).

A scratch table belongs to its writer: ``_stage_<host>_<pid>_<start>_<random>`` names the
host, process id and process start time. Only the writer drops it, or a later open once
the table is provably orphaned: on DuckDB every table of another process (the file lock
admits one process, so that process is gone) and scratch tables of the old format
``_stage_<hex>``; on other backends a table of a process on this host that no longer runs
(``/proc``); when that cannot be told, the table is left.

Faults are ``WarehouseError`` subclasses with a Dutch message: ``WarehouseBusy`` (another
process holds the DuckDB file past the bound), ``WarehouseCorrupt`` (not a DuckDB file, or
damaged) and ``WarehouseMissing`` (the file this process used has disappeared: it is never
silently created again, which would serve an empty warehouse without the accounts).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import duckdb
import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.csv as pacsv

from veiligstad.errors import WarehouseError
from veiligstad.storage.schema import (  # re-exported: callers import them from here
    AREA_SCHEMA as AREA_SCHEMA,
)
from veiligstad.storage.schema import (
    AREAS as AREAS,
)
from veiligstad.storage.schema import (
    BATCH_SCHEMA as BATCH_SCHEMA,
)
from veiligstad.storage.schema import (
    BATCHES as BATCHES,
)
from veiligstad.storage.schema import (
    HISTORY as HISTORY,
)
from veiligstad.storage.schema import (
    OBSERVATION_SCHEMA as OBSERVATION_SCHEMA,
)
from veiligstad.storage.schema import (
    OBSERVATIONS as OBSERVATIONS,
)
from veiligstad.storage.schema import (
    SCHEMA_VERSION as SCHEMA_VERSION,
)
from veiligstad.storage.schema import (
    TABLES as TABLES,
)
from veiligstad.storage.schema import (
    USER_SCHEMA as USER_SCHEMA,
)
from veiligstad.storage.schema import (
    USERS as USERS,
)
from veiligstad.storage.schema import (
    VERSION_SCHEMA as VERSION_SCHEMA,
)
from veiligstad.storage.schema import (
    VERSION_TABLE as VERSION_TABLE,
)

STAGE_PREFIX = "_stage_"

#: The tables of observations, areas, batches and accounts (``schema.TABLES`` lists every table).
SCHEMAS = {
    OBSERVATIONS: OBSERVATION_SCHEMA,
    HISTORY: OBSERVATION_SCHEMA,
    AREAS: AREA_SCHEMA,
    BATCHES: BATCH_SCHEMA,
    USERS: USER_SCHEMA,
}
#: The key of the PostgreSQL advisory lock that every writing transaction holds (one writer at a
#: time per database; readers never wait). ``int.from_bytes(b"veilig", "big")``.
WRITE_LOCK_KEY = 130_177_932_487_015

_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


def _csv_safe(kind: dt.DataType) -> bool:
    """Types that PostgreSQL's CSV writes and Arrow reads back without loss."""
    return bool(kind.is_string() or kind.is_integer() or kind.is_floating() or kind.is_boolean())


_SQL_TYPES = {
    dt.String: "VARCHAR",
    dt.Int32: "INTEGER",
    dt.Int64: "BIGINT",
    dt.Float64: "DOUBLE PRECISION",
    dt.Boolean: "BOOLEAN",
    dt.Timestamp: "TIMESTAMP WITH TIME ZONE",
    dt.Date: "DATE",
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


log = logging.getLogger("veiligstad.storage")

#: Seconds ``Warehouse.open`` waits for another process holding the DuckDB file (see ``set_wait``).
DEFAULT_WAIT_SECONDS = 30.0


class WarehouseBusy(WarehouseError):
    """Another process held the DuckDB file for longer than the wait bound."""


class WarehouseCorrupt(WarehouseError):
    """The warehouse file is not a DuckDB database, or it is damaged."""


class WarehouseMissing(WarehouseError):
    """The warehouse file this process used has disappeared."""


#: Told while ``Warehouse.open`` waits (a Dutch line).
Notify = Callable[[str], None]


@dataclass
class _WaitPolicy:
    seconds: float = DEFAULT_WAIT_SECONDS
    notify: Callable[[str], None] | None = None


_policy = _WaitPolicy()
#: DuckDB files this process has opened: when one disappears it is not created again.
_seen: set[str] = set()
_seen_lock = threading.Lock()
#: One writing transaction at a time per warehouse within this process (no write-write conflicts).
_write_locks: dict[str, threading.RLock] = {}
_LOCK_HELD = "Could not set lock on file"
_HOLDER = re.compile(r"\(PID (\d+)\)")
_CORRUPT = (
    "not a valid DuckDB database file",
    "Corrupt database file",
    "Could not read enough bytes",
    "checksum",
)
_NEW_STAGE = re.compile(r"^_stage_([0-9a-f]{8})_(\d+)_(\d+)_[0-9a-f]{16}$")
_OLD_STAGE = re.compile(r"^_stage_[0-9a-f]{32}$")


def set_wait(
    seconds: float, notify: Callable[[str], None] | None = None
) -> tuple[float, Callable[[str], None] | None]:
    """How long later opens wait for another process that holds the DuckDB file, and whom they
    tell while they wait (set once by the CLI and ``serve`` from the settings). Returns the
    previous values."""
    previous = (_policy.seconds, _policy.notify)
    _policy.seconds = max(0.0, float(seconds))
    _policy.notify = notify
    return previous


def duckdb_path(url: str) -> Path | None:
    """The file of a ``duckdb://`` URL; ``None`` for in-memory DuckDB and other backends."""
    parsed = urlparse(url)
    if parsed.scheme != "duckdb" or parsed.path in ("", "/", "/:memory:"):
        return None
    return Path(parsed.path)


def _prepare_url(url: str) -> str:
    path = duckdb_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return url


def _start_time(pid: int) -> str | None:
    """When a process started (clock ticks since boot, field 22 of /proc/<pid>/stat); ``None``
    when there is no such process or no /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _host_tag() -> str:
    return hashlib.blake2s(socket.gethostname().encode(), digest_size=4).hexdigest()


_owners: dict[int, str] = {}


def stage_owner() -> str:
    """``<host>_<pid>_<start>`` of this process (start ``0`` where it cannot be read)."""
    pid = os.getpid()
    if pid not in _owners:  # per pid: a forked child is another writer
        _owners[pid] = f"{_host_tag()}_{pid}_{_start_time(pid) or 0}"
    return _owners[pid]


def _process_gone(pid: int, start: str) -> bool:
    """Whether the process that wrote a scratch table on this host has ended (False: alive, or
    cannot tell)."""
    if not Path("/proc/self/stat").exists():
        return False  # no /proc (macOS, Windows): cannot tell, leave the table
    current = _start_time(pid)
    if current is None:
        return True
    return start != "0" and current != start  # the pid was reused by a later process


def orphaned(name: str, exclusive: bool) -> bool:
    """Whether the writer of scratch table ``name`` is provably gone.

    ``exclusive``: this connection holds the DuckDB file lock, so no other process can have the
    file open. Tables of this process are never orphans here: their writer drops them.
    """
    if not name.startswith(STAGE_PREFIX):
        return False
    match = _NEW_STAGE.match(name)
    if match is None:  # the old format of earlier versions: safe to drop only when exclusive
        return exclusive and _OLD_STAGE.match(name) is not None
    host, pid, start = match.groups()
    if f"{host}_{pid}_{start}" == stage_owner():
        return False
    if exclusive:
        return True
    return host == _host_tag() and _process_gone(int(pid), start)


def _lock_holder(exc: BaseException) -> str | None:
    """The PID in DuckDB's "Could not set lock" error (``?`` when it names none); ``None`` when
    the error is another one."""
    text = str(exc)
    if _LOCK_HELD not in text:
        return None
    match = _HOLDER.search(text)
    return match.group(1) if match else "?"


CORRUPT_HINT = (
    "Zet een back-up van het warehouse terug. Of zet het bestand opzij (bijvoorbeeld "
    "'mv {path} {path}.beschadigd') en voer 'veiligstad init' uit: dat begint een nieuw "
    "warehouse met de ingebouwde gegevens (eigen imports, acties en accounts moeten dan opnieuw)."
)
MISSING_HINT = (
    "Zet het bestand terug uit een back-up (de server gebruikt het dan weer). Alleen als u "
    "opnieuw wilt beginnen: voer 'veiligstad init' uit (eigen imports, acties en accounts "
    "moeten dan opnieuw)."
)


def _fault(exc: BaseException, url: str, path: Path | None) -> WarehouseError:
    """A Dutch ``WarehouseError`` for a backend error on opening or reading."""
    text = str(exc).strip()
    detail = text.splitlines()[0] if text else type(exc).__name__
    if path is not None and any(marker in text for marker in _CORRUPT):
        return WarehouseCorrupt(
            f"Het warehouse-bestand {path} is beschadigd of is geen DuckDB-database ({detail}).",
            hint=CORRUPT_HINT.format(path=path),
        )
    if path is not None and "version number" in text:
        return WarehouseError(
            f"Het warehouse-bestand {path} is gemaakt met een andere DuckDB-versie ({detail}).",
            hint="Gebruik de veiligstad-versie waarmee het bestand is gemaakt, of zet een back-up terug.",
        )
    if urlparse(url).scheme.startswith("postgres"):
        return WarehouseError(
            f"Kan de PostgreSQL-database niet openen ({display_url(url)}): {detail}",
            hint=(
                "Controleer of de PostgreSQL-server draait en bereikbaar is, of de database bestaat "
                "(createdb) en of gebruiker en wachtwoord in VEILIGSTAD_DATABASE_URL kloppen."
            ),
        )
    return WarehouseError(
        f"Kan het warehouse niet openen ({display_url(url)}): {detail}",
        hint="Controleer VEILIGSTAD_DATABASE_URL.",
    )


def display_url(url: str) -> str:
    """The URL without its password, for messages and logs.

    >>> display_url("postgresql://veilig:geheim@db.example:5432/veiligstad")
    'postgresql://veilig:***@db.example:5432/veiligstad'
    >>> display_url("duckdb:///data/veiligstad.duckdb")
    'duckdb:///data/veiligstad.duckdb'
    """
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@", 1)
    return parsed._replace(netloc=netloc).geturl()


def _check_present(path: Path) -> None:
    """A file this process used before must still be there: never create it again silently."""
    key = os.path.abspath(path)
    with _seen_lock:
        known = key in _seen
    if known and not path.exists():
        log.error("warehouse-bestand %s is verdwenen; het wordt niet opnieuw aangemaakt", path)
        raise WarehouseMissing(
            f"Het warehouse-bestand {path} is verdwenen terwijl veiligstad het gebruikte; "
            "veiligstad maakt het niet stilzwijgend opnieuw (leeg) aan.",
            hint=MISSING_HINT,
        )


def _connect(url: str, path: Path | None, wait: float, notify: Callable[[str], None] | None) -> Any:
    """Connect; while another process holds the DuckDB file, retry with back-off up to ``wait`` s."""
    start = time.monotonic()
    deadline = start + wait
    delay = 0.05
    next_notice = start
    while True:
        try:
            return ibis.connect(_prepare_url(url))
        except Exception as exc:  # every backend raises its own error types
            holder = _lock_holder(exc)
            if holder is None:
                raise _fault(exc, url, path) from exc
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                where = path or display_url(url)
                raise WarehouseBusy(
                    f"Het warehouse {where} is bezet door een ander proces (PID {holder}); "
                    f"na {wait:.0f} s wachten is het nog niet vrij.",
                    hint=(
                        "Wacht tot dat proces klaar is (bijvoorbeeld een import, een rapport of "
                        "'veiligstad serve' die net gegevens leest) en probeer het opnieuw, of laat "
                        "langer wachten met VEILIGSTAD_WRITE_WAIT_SECONDS."
                    ),
                ) from exc
            if now >= next_notice:
                message = (
                    f"Het warehouse is bezet door een ander proces (PID {holder}); "
                    f"ik wacht nog {remaining:.0f} s."
                )
                log.info(message)
                if notify is not None:
                    notify(message)
                next_notice = now + 5.0
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 1.0)


#: One small connection per process and PostgreSQL URL that only asks for the WAL position.
_watchers: dict[tuple[int, str], Any] = {}
_watchers_lock = threading.Lock()


def close_watchers() -> None:
    """Close this process's WAL-position connections (at exit, so none is left to the garbage
    collector; a later ``fingerprint`` opens a new one)."""
    with _watchers_lock:
        for key in [k for k in _watchers if k[0] == os.getpid()]:
            with contextlib.suppress(Exception):
                _watchers.pop(key).close()


atexit.register(close_watchers)


def _wal_position(url: str) -> str | None:
    """The PostgreSQL server's current WAL insert position, or ``None`` when it cannot be read
    (a standby, no connection): every committed write to the warehouse's tables moves it (so do
    other writes on the server, which only cost a full check). One query on a connection kept
    per process (a forked worker makes its own)."""
    key = (os.getpid(), url)
    with _watchers_lock:
        con = _watchers.get(key)
        try:
            if con is None or con.closed:
                import psycopg  # only for PostgreSQL warehouses

                con = psycopg.connect(url, autocommit=True, connect_timeout=5)
                _watchers[key] = con
            row = con.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        except Exception:  # every failure means: ask the warehouse itself
            _watchers.pop(key, None)
            return None
    return f"wal:{row[0]}" if row else None


def fingerprint(url: str) -> str | None:
    """Something that changes whenever the warehouse is written, read without opening it.

    For a DuckDB file: size and modification time of the file and its write-ahead log. For
    PostgreSQL: the server's WAL position (``_wal_position``; one query instead of opening the
    warehouse and reading its state). ``None`` otherwise, or when it cannot be read: callers
    then ask the open warehouse (``Warehouse.state``).
    """
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql"):
        return _wal_position(url)
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
        #: ``duckdb`` or ``postgres`` (the Ibis backend name)
        self.backend: str = getattr(connection, "name", "")
        self._depth = 0  # nesting of ``transaction``

    @property
    def postgres(self) -> bool:
        """Whether this is a PostgreSQL warehouse (many writing processes, advisory write lock)."""
        return self.backend == "postgres"

    @classmethod
    @contextmanager
    def open(
        cls,
        url: str,
        *,
        wait_seconds: float | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> Iterator[Warehouse]:
        """Connect (waiting up to ``wait_seconds`` for another process that holds the DuckDB
        file; default: ``set_wait``), remove orphaned scratch tables, yield, always disconnect.

        A damaged file, found on opening or while reading, is a ``WarehouseCorrupt``; a file
        that this process used and that has disappeared is a ``WarehouseMissing`` (not a new,
        empty warehouse).
        """
        path = duckdb_path(url)
        if path is not None:
            _check_present(path)
        wait = _policy.seconds if wait_seconds is None else wait_seconds
        con = _connect(url, path, wait, notify or _policy.notify)
        try:
            if path is not None:
                with _seen_lock:
                    _seen.add(os.path.abspath(path))
            warehouse = cls(con, url)
            if warehouse.postgres:
                # The engine's deeply nested queries get row estimates of 1 from PostgreSQL's
                # planner, which then picks nested-loop joins over tens of thousands of rows
                # (minutes instead of seconds); hash joins are right for every query here.
                con.raw_sql("SET enable_nestloop = off").close()
            warehouse.drop_stale_stages()
            warehouse.upgrade()
            yield warehouse
        except (duckdb.IOException, duckdb.FatalException) as exc:  # damaged while reading
            raise _fault(exc, url, path) from exc
        finally:
            con.disconnect()

    @property
    def exclusive(self) -> bool:
        """Whether this connection holds the DuckDB file lock (no other process has it open)."""
        return duckdb_path(self.url) is not None and "read_only" not in urlparse(self.url).query

    def write_lock(self) -> threading.RLock:
        """The lock that lets one transaction of this process write this warehouse at a time."""
        with _seen_lock:
            return _write_locks.setdefault(self.url, threading.RLock())

    def verify(self) -> None:
        """Read every row of every table once, so that a damaged file shows now (``serve`` at
        start) rather than on some visitor's page."""
        row_hash = "md5(t::text)" if self.postgres else "hash(t)"
        for name in self.con.list_tables():
            self.con.raw_sql(f'SELECT max({row_hash}) FROM "{name}" AS t').fetchall()

    def schema_version(self) -> int:
        """The schema version of this warehouse: ``0`` when it has no tables yet, ``1`` for one made
        before versions were recorded (see ``storage.schema``)."""
        tables = set(self.con.list_tables())
        if VERSION_TABLE not in tables:
            return 1 if tables & set(SCHEMAS) else 0
        found = self.con.raw_sql(f"SELECT max(version) FROM {VERSION_TABLE}").fetchone()
        return int(found[0]) if found and found[0] is not None else 1

    def upgrade(self) -> None:
        """Bring an older warehouse to ``SCHEMA_VERSION`` (on open); a new, empty one gets every
        table. A read-only connection is left as it is. A warehouse of a newer veiligstad is
        refused: this version might damage what it does not know."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise WarehouseError(
                f"Het warehouse ({display_url(self.url)}) heeft schemaversie {current}; deze "
                f"veiligstad-versie kent versie {SCHEMA_VERSION}.",
                hint="Gebruik de nieuwere veiligstad-versie waarmee het warehouse is bijgewerkt.",
            )
        if current < SCHEMA_VERSION and "read_only" not in urlparse(self.url).query:
            self.ensure_schema()

    def ensure_schema(self) -> None:
        """Create missing tables, add columns that newer versions introduced and record the schema
        version, in one transaction (so concurrent first opens on PostgreSQL do not collide).
        Reads one row when the warehouse is up to date."""
        if self.schema_version() == SCHEMA_VERSION:
            return
        with self.transaction():
            existing = set(self.con.list_tables())
            for name, schema in TABLES.items():
                if name not in existing:
                    columns = ", ".join(f'"{c}" {_SQL_TYPES[type(t)]}' for c, t in schema.items())
                    self.con.raw_sql(f'CREATE TABLE "{name}" ({columns})')
                    continue
                present = set(self.con.table(name).columns)
                for column, dtype in schema.items():
                    if column not in present:
                        sql_type = _SQL_TYPES[type(dtype)]
                        self.con.raw_sql(f'ALTER TABLE "{name}" ADD COLUMN "{column}" {sql_type}')
            found = self.con.raw_sql(f"SELECT max(version) FROM {VERSION_TABLE}").fetchone()
            if found is None or found[0] is None or int(found[0]) < SCHEMA_VERSION:
                record = {
                    "version": SCHEMA_VERSION,
                    "upgraded_at": datetime.now(UTC),
                    "upgraded_by": f"veiligstad (PID {os.getpid()})",
                }
                rows = pa.Table.from_pylist([record], schema=VERSION_SCHEMA.to_pyarrow())
                columns = _column_list(VERSION_SCHEMA)
                with self.staged(rows) as stage:
                    self.con.raw_sql(f"INSERT INTO {VERSION_TABLE} ({columns}) SELECT {columns} FROM {stage}")

    def drop_stale_stages(self) -> None:
        """Remove scratch tables left by a load that was killed before it committed, and only
        those: a table whose writer may still run is left to that writer (see ``orphaned``)."""
        exclusive = self.exclusive
        for name in self.con.list_tables():
            if orphaned(name, exclusive):
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
        recently loaded batch wins, so a figure is never counted twice. A known figure beats an
        unknown one (an empty cell of a later fill-in template or upload) whatever the order of
        loading: an empty cell says "not known here", not "no longer true"."""
        obs = self.observations()
        batches = self.batches()
        loads = batches.select(b_id=batches.batch_id, b_loaded=batches.loaded_at)
        joined = obs.join(loads, obs.batch_id == loads.b_id)
        window = ibis.window(
            group_by=[joined.measure, joined.area_code, joined.period],
            order_by=[joined.value.isnull(), ibis.desc(joined.b_loaded), ibis.desc(joined.batch_id)],
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
        columns = _column_list(USER_SCHEMA)
        rows = pa.Table.from_pylist([record], schema=USER_SCHEMA.to_pyarrow())
        with self.staged(rows) as stage, self.transaction():
            self.con.raw_sql(f"DELETE FROM {USERS} WHERE username IN (SELECT username FROM {stage})")
            self.con.raw_sql(f"INSERT INTO {USERS} ({columns}) SELECT {columns} FROM {stage}")

    def remove_user(self, username: str) -> bool:
        """Delete one account; whether it existed."""
        users = self.users()
        existed = bool(users.filter(users.username == username).count().execute())
        if existed:
            with self.staged(pa.table({"username": [username]})) as stage, self.transaction():
                self.con.raw_sql(f"DELETE FROM {USERS} WHERE username IN (SELECT username FROM {stage})")
        return existed

    def has_batch(self, source_id: str, file_hash: str) -> bool:
        """Whether this exact version of a source is the current one."""
        b = self.batches()
        found = b.filter(
            (b.source_id == source_id) & (b.file_hash == file_hash) & b.replaced_by.isnull()
        ).count()
        return bool(found.execute())

    def replace_source(self, batch: Batch, rows: pa.Table) -> bool:
        """Make ``rows`` the current observations of a source, atomically, keeping history.

        ``False`` (nothing written) when this batch is the source's current one already: another
        writer loaded the same version between the caller's ``has_batch`` and this transaction.
        """
        source = _checked(batch.source_id)
        columns = _column_list(OBSERVATION_SCHEMA)
        with self.loadable(rows.select(OBSERVATION_SCHEMA.names)) as stage, self.transaction():
            if self._is_current(batch):
                return False
            self.con.raw_sql(
                f"INSERT INTO {HISTORY} ({columns}) "
                f"SELECT {columns} FROM {OBSERVATIONS} WHERE source_id = '{source}'"
            )
            self.con.raw_sql(f"DELETE FROM {OBSERVATIONS} WHERE source_id = '{source}'")
            self.con.raw_sql(f"INSERT INTO {OBSERVATIONS} ({columns}) SELECT {columns} FROM {stage}")
            self._record(batch)
        self._analyse(OBSERVATIONS, HISTORY, BATCHES)
        return True

    def _analyse(self, *tables: str) -> None:
        """PostgreSQL: refresh the planner's statistics after a load (autovacuum would, later)."""
        if self.postgres:
            self.con.raw_sql(f"ANALYZE {', '.join(tables)}").close()

    def _is_current(self, batch: Batch) -> bool:
        """Whether ``batch`` is its source's current batch (inside a writing transaction)."""
        source = _checked(batch.source_id)
        batch_id = batch.batch_id.replace("'", "''")
        found = self.con.raw_sql(
            f"SELECT count(*) FROM {BATCHES} WHERE source_id = '{source}' "
            f"AND batch_id = '{batch_id}' AND replaced_by IS NULL"
        ).fetchone()
        return bool(found and found[0])

    def replace_areas(self, rows: pa.Table, batch: Batch) -> None:
        """Replace the area register and record where it came from, atomically."""
        columns = _column_list(AREA_SCHEMA)
        with self.staged(rows.select(AREA_SCHEMA.names)) as stage, self.transaction():
            self.con.raw_sql(f"DELETE FROM {AREAS}")
            self.con.raw_sql(f"INSERT INTO {AREAS} ({columns}) SELECT {columns} FROM {stage}")
            self._record(batch)
        self._analyse(AREAS, BATCHES)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One backend transaction: everything inside is written, or nothing. Writing transactions
        run one after another: the threads of this process (``write_lock``) and, on PostgreSQL,
        every process (a transaction-level advisory lock, taken first), so what a transaction
        reads before it writes is still true when it commits. Nested use joins the outer one."""
        with self.write_lock():
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.con.raw_sql("BEGIN TRANSACTION")
            self._depth = 1
            try:
                if self.postgres:
                    self.con.raw_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})").fetchall()
                yield
            except BaseException:
                self._depth = 0
                self.con.raw_sql("ROLLBACK")
                raise
            self._depth = 0
            self.con.raw_sql("COMMIT")

    def drop(self, name: str) -> None:
        """Drop a table if it exists (scratch tables)."""
        self.con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')

    def stage(self, rows: pa.Table) -> str:
        """Write rows to a new scratch table of this writer; commit them with one INSERT … SELECT,
        then ``drop`` it (only this writer, or a later open once it is orphaned, removes it)."""
        name = f"{STAGE_PREFIX}{stage_owner()}_{uuid.uuid4().hex[:16]}"
        schema = ibis.Schema.from_pyarrow(rows.schema)
        if not self.postgres:
            self.con.create_table(name, schema=schema)
            if rows.num_rows:
                self.con.insert(name, rows)
            return name
        # PostgreSQL: a temporary table (gone with the connection, whatever happens) filled with
        # COPY; Ibis' insert sends one row at a time.
        columns = ", ".join(f'"{c}" {_SQL_TYPES[type(t)]}' for c, t in schema.items())
        self.con.raw_sql(f'CREATE TEMPORARY TABLE "{name}" ({columns})').close()
        if rows.num_rows:
            self._copy(name, rows)
        return name

    def _copy(self, name: str, rows: pa.Table) -> None:
        """Send rows to a PostgreSQL table with COPY … FROM STDIN as CSV (Arrow writes it: every
        string is quoted, so an empty string stays empty and only an unquoted empty field is NULL)."""
        buffer = pa.BufferOutputStream()
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        pacsv.write_csv(rows, buffer, write_options=options)
        columns = _column_list(ibis.Schema.from_pyarrow(rows.schema))
        with (
            self.con.con.cursor() as cursor,
            cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy,
        ):
            copy.write(buffer.getvalue().to_pybytes())

    def arrow(self, expr: ir.Table) -> pa.Table:
        """The rows of ``expr`` as an Arrow table.

        DuckDB hands Arrow over directly. From PostgreSQL the rows come as CSV through
        ``COPY (…) TO STDOUT`` and Arrow parses them: Ibis fetches them as Python tuples, which
        took most of the national computation's time (1.1 M rows × 17 columns). Only for
        text, whole-number, floating-point and yes/no columns; other types go through Ibis.
        """
        schema = expr.schema()
        if not self.postgres or not all(_csv_safe(t) for t in schema.types):
            return expr.to_pyarrow()
        target = schema.to_pyarrow()
        self.con._run_pre_execute_hooks(expr)  # the in-memory tables it reads, as Ibis does
        query = f"COPY ({self.con.compile(expr)}) TO STDOUT WITH (FORMAT csv)"
        text = pa.BufferOutputStream()  # the CSV once in memory, not as chunks and a joined copy
        with self.con.con.cursor() as cursor, self.con.con.transaction(), cursor.copy(query) as copy:
            for chunk in copy:
                text.write(chunk)
        if not text.tell():
            return target.empty_table()
        rows: pa.Table = pacsv.read_csv(
            pa.BufferReader(text.getvalue()),
            read_options=pacsv.ReadOptions(column_names=target.names),
            # a row of one NULL column is an empty line: it counts
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=target,
                # PostgreSQL's CSV: NULL is an unquoted empty field, an empty text is "" (quoted)
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
        return rows

    @contextmanager
    def loadable(self, rows: pa.Table) -> Iterator[str]:
        """A name that ``INSERT … SELECT`` reads ``rows`` from, for the block.

        DuckDB reads the Arrow table itself (registered on this connection, no copy and no
        scratch table). PostgreSQL: a scratch table filled with COPY (``staged``).

        No ``SET threads`` or ``SET preserve_insertion_order`` around the insert (they once saved a
        third of the CPU of a bulk load): both are settings of the whole database in this
        process, not of this connection. Changing ``threads`` relaunches DuckDB's worker
        threads under a lock that a reading thread of the same process may wait for while it
        holds Python's interpreter lock, and another thread inside DuckDB waits for that lock:
        the whole process hung (``tests/security/test_concurrency.py``, 2026-12-03). Two loads at
        once could also restore each other's values wrongly.
        """
        if self.postgres:
            with self.staged(rows) as stage:
                yield stage
            return
        name = f"_arrow_{uuid.uuid4().hex[:16]}"
        raw = self.con.con
        raw.register(name, rows)
        try:
            yield name
        finally:
            raw.unregister(name)

    @contextmanager
    def staged(self, rows: pa.Table) -> Iterator[str]:
        """A scratch table of ``rows`` for the block, dropped afterwards whatever happens."""
        name = self.stage(rows)
        try:
            yield name
        finally:
            self.drop(name)

    def _record(self, batch: Batch) -> None:
        """Mark the source's current batch as replaced and insert the new one (in a transaction)."""
        source = _checked(batch.source_id)
        new_id = batch.batch_id.replace("'", "''")
        self.con.raw_sql(
            f"UPDATE {BATCHES} SET replaced_by = '{new_id}' "
            f"WHERE source_id = '{source}' AND replaced_by IS NULL"
        )
        record = pa.Table.from_pylist([asdict(batch)], schema=BATCH_SCHEMA.to_pyarrow())
        columns = _column_list(BATCH_SCHEMA)
        with self.staged(record) as stage:
            self.con.raw_sql(f"INSERT INTO {BATCHES} ({columns}) SELECT {columns} FROM {stage}")

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
