# SPDX-License-Identifier: EUPL-1.2
"""The computed snapshot on disk, so that several processes compute it once.

Computing the figures of a warehouse takes seconds (tens of seconds on a busy machine). With
``veiligstad serve --workers N`` every worker needs them, and so do ``status`` and
``indicator`` in the CLI. The first process that needs the figures of a warehouse state
computes them and writes them here; the others read the file (about a second).

One file per state: ``<folder>/<key>.snapshot``, where the key is a hash of the data state
(``data_state``: every batch with what replaced it, and the area count; not accounts or actions),
the definitions (programme and catalogue), the refresh rules, the disclosure threshold, the
veiligstad version and the format of the file. The one part of the figures that depends on the
date, how out of date each source is (``freshness.source_status``), is not in the key: a process
that reads a file written on another day computes that part again (milliseconds), and a running
server does so when the day changes (the snapshot's token carries the day). Written
atomically (``files.write_atomically``): a reader never sees half a file.
While one process computes, the others wait for the lock file ``<folder>/.lock`` (an
advisory ``flock``) and then read what it wrote. At most ``keep`` files are kept, the
newest; older states are removed.

The file is a Python pickle of the computed parts (value tables, status, alerts, sources,
boundaries): it round-trips the pandas tables exactly (dtypes, index, missing values), which
Parquet does not for every column here. Accounts are not stored (read from the warehouse each
time). A pickle is code: the folder is created for the owner only (0700) and lives in the
data folder beside the warehouse and the session key, which an attacker who can write there
owns already. A file that cannot be read (damaged, or written by another version) is removed
and the figures are computed again.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from veiligstad import __version__
from veiligstad.definitions.validation import Definitions
from veiligstad.files import write_atomically
from veiligstad.services import freshness
from veiligstad.storage.warehouse import Warehouse

log = logging.getLogger("veiligstad.web")

#: Changes whenever the content of a stored snapshot changes shape.
FORMAT = "2"
SUFFIX = ".snapshot"
KEEP = 3


def definitions_hash(definitions: Definitions) -> str:
    """A hash of the programme and the catalogue (their full content, not the file names)."""
    digest = hashlib.sha256()
    digest.update(definitions.programme.model_dump_json().encode())
    digest.update(b"\0")
    digest.update(definitions.catalogue.model_dump_json().encode())
    return digest.hexdigest()


def refresh_hash() -> str:
    """A hash of the refresh rules (they decide when a source is out of date)."""
    return hashlib.sha256(freshness.refresh_path().read_bytes()).hexdigest()


def data_state(warehouse: Warehouse) -> str:
    """What the figures depend on in the warehouse: ``<batches>@<newest load>#<hash>``, the hash
    over every batch (id, what replaced it, when it was loaded) and the number of areas.

    The data part of ``Warehouse.state`` (batch count and newest load) stays the same when a
    bundle brings back an older version of a source (the same batches, only which one is current
    changes) or replaces a batch under its own id; this does not."""
    batches = warehouse.batches().select("batch_id", "replaced_by", "loaded_at").to_pyarrow().to_pylist()
    areas = int(warehouse.areas().count().execute())
    rows = sorted((str(r["batch_id"]), str(r["replaced_by"]), str(r["loaded_at"])) for r in batches)
    digest = hashlib.sha256(repr((rows, areas)).encode()).hexdigest()[:16]
    newest = max((r["loaded_at"] for r in batches if r["loaded_at"] is not None), default=None)
    return f"{len(rows)}@{newest}#{digest}"


def data_part(token: str) -> str:
    """The part of a snapshot token that the figures depend on (``data_state``).

    >>> data_part("3@2026-01-01#ab12|1@x|0|2026-12-02")
    '3@2026-01-01#ab12'
    """
    return token.split("|", 1)[0]


def folder_for(url: str, data_dir: Path) -> Path | None:
    """Where the snapshots of the warehouse at ``url`` are kept: beside a DuckDB file, in
    ``data_dir`` for other backends; ``None`` for an in-memory warehouse (nothing to share).

    >>> folder_for("duckdb:///srv/v/veiligstad.duckdb", Path("/data")).as_posix()
    '/srv/v/veiligstad.duckdb.snapshots'
    >>> folder_for("duckdb://:memory:", Path("/data")) is None
    True
    """
    parsed = urlparse(url)
    if parsed.scheme == "duckdb":
        if parsed.path in ("", "/", "/:memory:"):
            return None
        path = Path(parsed.path)
        return path.parent / f"{path.name}.snapshots"
    name = hashlib.sha256(url.encode()).hexdigest()[:16]
    return data_dir / "snapshots" / name


class SnapshotStore:
    """The stored snapshots of one warehouse, in ``folder``."""

    def __init__(self, folder: Path, keep: int = KEEP) -> None:
        self.folder = folder
        self.keep = max(1, keep)

    @classmethod
    def for_url(cls, url: str, data_dir: Path) -> SnapshotStore | None:
        """The store of the warehouse at ``url`` (``None`` for an in-memory warehouse)."""
        folder = folder_for(url, data_dir)
        return None if folder is None else cls(folder)

    @staticmethod
    def key(token: str, definitions: Definitions, threshold: int) -> str:
        """The name of the snapshot of this warehouse state, definitions and threshold."""
        parts = [
            FORMAT,
            __version__,
            data_part(token),
            definitions_hash(definitions),
            refresh_hash(),
            str(threshold),
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    def path(self, key: str) -> Path:
        """The file of ``key``."""
        return self.folder / f"{key}{SUFFIX}"

    def _ensure_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def load(self, key: str) -> dict[str, Any] | None:
        """The stored parts under ``key``; ``None`` when there are none (or they are unreadable,
        in which case the file is removed)."""
        path = self.path(key)
        try:
            with path.open("rb") as handle:
                found = pickle.load(handle)  # our own file, in the owner-only folder
        except FileNotFoundError:
            return None
        except Exception as exc:  # damaged or from another version: compute again
            log.warning("opgeslagen momentopname %s is onleesbaar (%s); opnieuw berekenen", path.name, exc)
            path.unlink(missing_ok=True)
            return None
        if not isinstance(found, dict) or found.get("key") != key:
            path.unlink(missing_ok=True)
            return None
        os.utime(path)  # recently used: kept by ``prune``
        return found

    def save(self, key: str, parts: dict[str, Any]) -> None:
        """Store ``parts`` under ``key`` (atomically), then remove the oldest beyond ``keep``."""
        self._ensure_folder()
        data = {**parts, "key": key}
        write_atomically(self.path(key), lambda raw: pickle.dump(data, raw, protocol=pickle.HIGHEST_PROTOCOL))
        self.prune()

    def keys(self) -> list[str]:
        """The stored keys, newest (last written or read) first."""
        try:
            files = [p for p in self.folder.iterdir() if p.suffix == SUFFIX and not p.name.startswith(".")]
        except FileNotFoundError:
            return []

        def age(path: Path) -> float:
            try:
                return -path.stat().st_mtime
            except FileNotFoundError:
                return 0.0

        return [p.stem for p in sorted(files, key=age)]

    def prune(self) -> None:
        """Remove all but the ``keep`` newest snapshots."""
        for key in self.keys()[self.keep :]:
            self.path(key).unlink(missing_ok=True)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's lock (one process computes; others wait here, then read)."""
        self._ensure_folder()
        with (self.folder / ".lock").open("a") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
