# SPDX-License-Identifier: EUPL-1.2
"""A throwaway PostgreSQL cluster for tests and benchmarks: no mocks, a real server.

``cluster()`` runs ``initdb`` and ``pg_ctl`` of the PostgreSQL that Debian ships (the
``postgresql`` package; ``.ci/run`` installs it) in a new temporary directory, on a free
port of 127.0.0.1 with its unix socket in that directory, trust authentication, and stops
and removes it afterwards. As root (``initdb`` refuses root) the server runs as the
``postgres`` user. Missing binaries are an error, never a silent skip.

    with cluster() as server:
        url = server.create_database("veiligstad")  # postgresql://postgres@127.0.0.1:<port>/veiligstad
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed, or the cluster would not start."""


def binaries() -> Path:
    """The folder with ``initdb``, ``pg_ctl`` and ``postgres`` (the newest Debian version)."""
    found = shutil.which("pg_ctl")
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    for folder in [*reversed(candidates), *([Path(found).resolve().parent] if found else [])]:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists() and (folder / "postgres").exists():
            return folder
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package "
        "'postgresql' (.ci/run does this)."
    )


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Cluster:
    """A running throwaway server."""

    directory: Path
    port: int
    host: str = "127.0.0.1"

    def url(self, database: str) -> str:
        """``postgresql://`` URL of one database of this server (superuser, trust auth)."""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as con:
            con.execute(sql)  # type: ignore[arg-type]

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """Create a database (a fresh random name by default; a copy of ``template`` when
        given, which must have no open connections) and return its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        if not _NAME.match(name) or (template is not None and not _NAME.match(template)):
            raise ValueError(f"not a plain database name: {name!r} / {template!r}")
        source = f" TEMPLATE {template}" if template else " TEMPLATE template0"
        self._admin(f"CREATE DATABASE {name}{source}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing its connections first."""
        if not _NAME.match(name):
            raise ValueError(f"not a plain database name: {name!r}")
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SUPERUSER, "--", *command]


def _run(command: list[str], timeout: float) -> None:
    result = subprocess.run(
        _as_server_user(command), capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        output = result.stderr.strip() or result.stdout.strip()
        raise PostgresUnavailable(f"{' '.join(command)} failed ({result.returncode}): {output}")


@contextmanager
def cluster(timeout: float = 60.0) -> Iterator[Cluster]:
    """Start a throwaway cluster; stop it and remove its directory afterwards."""
    bin_dir = binaries()
    directory = Path(tempfile.mkdtemp(prefix="veiligstad-pg-"))
    data = directory / "data"
    log = directory / "server.log"
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SUPERUSER)
        os.chown(directory, owner.pw_uid, owner.pw_gid)
    started = False
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            timeout,
        )
        # a port can be taken between probing and binding: try a few
        for _attempt in range(5):
            port = free_port()
            options = (
                f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            command = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options]
            try:
                _run([*command, "-w", "-t", str(int(timeout)), "start"], timeout + 5)
            except PostgresUnavailable:
                if "could not bind" in (log.read_text() if log.exists() else ""):
                    continue
                raise PostgresUnavailable(
                    f"PostgreSQL did not start; server log:\n{log.read_text() if log.exists() else ''}"
                ) from None
            started = True
            break
        else:
            raise PostgresUnavailable("PostgreSQL found no free port in 5 attempts")
        yield Cluster(directory=directory, port=port)
    finally:
        if started:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], timeout)
        for _ in range(3):
            try:
                shutil.rmtree(directory)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.2)
