# SPDX-License-Identifier: EUPL-1.2
"""Small finished answers stored per data state, read without pandas, Ibis or the figures.

``veiligstad status`` and ``veiligstad indicator`` print a few kilobytes of text computed from
the whole snapshot (``services.snapshot``): reading that snapshot means loading pandas and
unpickling megabytes, and the programme status is then computed again (the dispersion pool,
SciPy's tests). What they print depends only on the data, the definitions and the code, so
the CLI keeps what it printed (plain text and JSON, no pandas objects) in one JSON file per
state, ``<key>.answers.json``, beside the stored snapshots (``<warehouse>.duckdb.snapshots/``).
A command first asks for its answer here and only computes when there is none.

The key covers everything the answer depends on:

- the data state, read with plain DuckDB from a read-only connection (``data_state``): every
  batch with what replaced it and when it was loaded, and the number of areas, as the stored
  snapshot's key does. ``None`` whenever that cannot be read quickly (another process holds
  the file, a damaged or missing file, another backend): the command then takes the usual
  way, which waits, reports the fault or loads the embedded data on first use;
- what the caller adds (the CLI: the content of the programme and catalogue files in force);
- the veiligstad version and the code itself (``code_stamp``: size and modification time of
  every file of the package but the web and report layers), so that a changed rule or text is
  never answered from an old file.

Written whole or not at all (``files.write_atomically``); at most ``KEEP`` files are kept, the
most recently used. An unreadable file is ignored and replaced. Only for DuckDB files: for
other backends and in-memory warehouses there is no store (``AnswerStore.for_url`` gives
``None``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from veiligstad import __version__
from veiligstad.errors import VeiligstadError
from veiligstad.files import write_atomically

log = logging.getLogger("veiligstad.cli")

#: Changes whenever the content of an answers file changes shape.
FORMAT = "1"
SUFFIX = ".answers.json"
KEEP = 3
PACKAGE = Path(__file__).resolve().parents[1]


def database_file(url: str) -> Path | None:
    """The DuckDB file of ``url``; ``None`` for in-memory DuckDB and other backends.

    >>> database_file("duckdb:///srv/v/veiligstad.duckdb").as_posix()
    '/srv/v/veiligstad.duckdb'
    >>> database_file("duckdb://:memory:") is None, database_file("postgresql://h/db") is None
    (True, True)
    """
    parsed = urlparse(url)
    if parsed.scheme != "duckdb" or parsed.path in ("", "/", "/:memory:"):
        return None
    return Path(parsed.path)


def data_state(url: str) -> str | None:
    """The data the figures depend on, read quickly with a read-only DuckDB connection:
    ``<batches>#<hash>`` over every batch (id, what replaced it, when loaded) and the number
    of areas. ``None`` when it cannot be read that way (see the module text)."""
    path = database_file(url)
    if path is None or not path.is_file():
        return None
    import duckdb  # only here: the answer itself needs no database library

    try:
        with duckdb.connect(str(path), read_only=True) as con:
            batches = con.execute(
                "SELECT CAST(batch_id AS VARCHAR), CAST(replaced_by AS VARCHAR), "
                "CAST(loaded_at AS VARCHAR) FROM batches"
            ).fetchall()
            found = con.execute("SELECT count(*) FROM areas").fetchone()
    except Exception:  # held by a writer, damaged, an old layout: the usual way says which
        return None
    if not batches:  # nothing loaded yet: the first command loads the embedded data
        return None
    areas = int(found[0]) if found else 0
    digest = hashlib.sha256(repr((sorted(map(tuple, batches)), areas)).encode()).hexdigest()[:16]
    return f"{len(batches)}#{digest}"


#: Top folders of the package that the answers cannot depend on: the layers above the services
#: (an import-linter contract keeps the services from importing them).
UNRELATED = frozenset({"web", "reports"})


def code_stamp(root: Path = PACKAGE, skip: frozenset[str] = UNRELATED) -> str:
    """Size and modification time of every file of the package (code, embedded definitions and
    data) except the top folders in ``skip``, hashed: a changed file gives another stamp. A few
    milliseconds."""
    entries: list[str] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            items = list(os.scandir(folder))
        except OSError:
            continue
        for item in items:
            if item.name == "__pycache__" or item.name.startswith("."):
                continue
            if item.is_dir(follow_symlinks=False):
                if not (folder == root and item.name in skip):
                    pending.append(Path(item.path))
                continue
            try:
                stat = item.stat()
            except OSError:
                continue
            entries.append(f"{os.path.relpath(item.path, root)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def file_stamp(path: Path | None) -> str:
    """A hash of a file's content (``-`` for none: the built-in file, covered by ``code_stamp``;
    ``?`` for one that cannot be read, which the command itself then reports)."""
    if path is None:
        return "-"
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "?"


class AnswerStore:
    """The stored answers of one DuckDB warehouse, in ``folder``."""

    def __init__(self, folder: Path, keep: int = KEEP) -> None:
        self.folder = folder
        self.keep = max(1, keep)

    @classmethod
    def for_url(cls, url: str) -> AnswerStore | None:
        """The store beside the DuckDB file of ``url`` (where the snapshots are kept too)."""
        path = database_file(url)
        return None if path is None else cls(path.parent / f"{path.name}.snapshots")

    @staticmethod
    def key(state: str, context: str) -> str:
        """The name of the answers of this data state and ``context`` (what the caller adds)."""
        parts = [FORMAT, __version__, code_stamp(), state, context]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    def path(self, key: str) -> Path:
        """The file of ``key``."""
        return self.folder / f"{key}{SUFFIX}"

    def load(self, key: str) -> dict[str, Any]:
        """The answers stored under ``key`` by name (empty when there are none)."""
        path = self.path(key)
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:  # damaged: answer the usual way, write it again
            log.warning("opgeslagen antwoorden %s zijn onleesbaar (%s)", path.name, exc)
            return {}
        if not isinstance(found, dict) or found.get("key") != key:
            return {}
        if not isinstance(found.get("answers"), dict):
            return {}
        answers: dict[str, Any] = found["answers"]
        return answers

    def get(self, key: str, name: str) -> Any:
        """One stored answer, ``None`` when there is none; marks the file as recently used."""
        answer = self.load(key).get(name)
        if answer is not None:
            with contextlib.suppress(OSError):  # kept by ``prune``
                os.utime(self.path(key))
        return answer

    def save(self, key: str, answers: dict[str, Any]) -> None:
        """Add ``answers`` (name → JSON-ready value) under ``key``, then keep the newest files.
        Never fails the command: an answer that cannot be stored is computed next time."""
        merged = {**self.load(key), **answers}
        data = json.dumps({"key": key, "answers": merged}, ensure_ascii=False).encode("utf-8")
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomically(self.path(key), lambda raw: raw.write(data))
        except (OSError, VeiligstadError) as exc:
            log.warning("antwoorden niet opgeslagen: %s", exc)
            return
        self.prune()

    def prune(self) -> None:
        """Remove all but the ``keep`` most recently used answers files."""
        try:
            files = [p for p in self.folder.iterdir() if p.name.endswith(SUFFIX)]
        except OSError:
            return

        def age(path: Path) -> float:
            try:
                return -path.stat().st_mtime
            except OSError:
                return 0.0

        for path in sorted(files, key=age)[self.keep :]:
            path.unlink(missing_ok=True)
