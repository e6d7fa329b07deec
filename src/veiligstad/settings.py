# SPDX-License-Identifier: EUPL-1.2
"""Settings, declared once and typed: environment variables ``VEILIGSTAD_*``.

Instantiated only at the edges (CLI, web app) and passed down.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where the warehouse lives when nothing is set: the user's data folder."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "veiligstad"


class Settings(BaseSettings):
    """All settings of veiligstad."""

    model_config = SettingsConfigDict(env_prefix="VEILIGSTAD_", extra="ignore")

    database_url: str = Field(
        default="",
        description=(
            "Ibis connection URL of the warehouse, e.g. duckdb:///abs/path/veiligstad.duckdb. "
            "Empty: a DuckDB file in the user's data folder."
        ),
    )
    programme: Path | None = Field(
        default=None,
        description="Programme YAML file; empty: the built-in Maastricht MJP 2023-2026.",
    )
    catalogue: Path | None = Field(
        default=None, description="Indicator catalogue YAML; empty: the built-in catalogue."
    )

    disclosure_threshold: int = Field(
        default=5,
        ge=1,
        description=(
            "Public pages and the public API show counts below this number as '< N' and derive "
            "no rate from them."
        ),
    )
    secret_key: str = Field(
        default="",
        description=(
            "Key that signs session cookies. Empty: a random key is created once and kept in "
            "the data folder (file 'secret_key', readable only by its owner)."
        ),
    )

    # --- Web edge (issue 12): host names, base URL and request sizes ---------------------
    base_url: str = Field(
        default="",
        description=(
            "Public address of the dashboard, e.g. https://veiligheid.example.nl (scheme and host, "
            "no path). Absolute links (Atom feed, canonical links) are built from it, never from the "
            "Host header; its host is accepted besides VEILIGSTAD_TRUSTED_HOSTS. Empty: the "
            "address of the request, for trusted hosts only."
        ),
    )
    trusted_hosts: str = Field(
        default="localhost,127.0.0.1,::1,testserver",
        description=(
            "Comma-separated host names the server answers to (a leading '*.' allows subdomains, "
            "'*' allows any). Other Host headers get 400."
        ),
    )
    max_request_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body outside the upload routes, in bytes; larger gets 413.",
    )
    max_upload_request_bytes: int = Field(
        default=25 * 1024 * 1024,
        ge=1024,
        description="Largest request body on the upload routes (/intern/uploads), in bytes; larger gets 413.",
    )
    web_threads: int = Field(
        default=8,
        ge=1,
        le=256,
        description=(
            "Pages each server process renders at the same time (its thread pool); more wait "
            "their turn. Rendering is CPU work under one interpreter lock, so more threads do "
            "not render more pages, they only make every page slower."
        ),
    )
    # --- end of the web edge block ----------------------------------------------------------

    # --- warehouse concurrency (issue 12) ---
    write_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description=(
            "Seconds a command or the server waits for another process that holds the DuckDB "
            "warehouse (DuckDB admits one writing process), retrying with a message, before it "
            "gives up with a clear error. 0: do not wait."
        ),
    )
    # --- end warehouse concurrency ---

    # --- limits for files (issue 12): uploads and boundary files ---------------------------
    # The readers have the same defaults (sources.upload.UploadLimits, sources.boundaries),
    # so callers that pass nothing are protected too; tests/security checks they agree.
    upload_max_rows: int = Field(
        default=2_000_000, ge=1, description="Most data rows of an uploaded CSV/XLSX file (without header)."
    )
    upload_max_columns: int = Field(default=1_000, ge=2, description="Most columns of an uploaded file.")
    upload_max_cells: int = Field(
        default=20_000_000, ge=1, description="Most cells read from an uploaded file, empty cells included."
    )
    upload_max_xlsx_bytes: int = Field(
        default=500 * 1024 * 1024,
        ge=1024,
        description="Most bytes an XLSX workbook may unpack to (all parts together), checked before reading.",
    )
    upload_max_xlsx_ratio: int = Field(
        default=200,
        ge=10,
        description="Highest compression ratio of one workbook part from 1 MiB (zip-bomb guard).",
    )
    boundaries_max_bytes: int = Field(
        default=2 * 1024 * 1024 * 1024, ge=1024, description="Largest boundary file (GeoJSON, GeoPackage)."
    )
    # --- end of the limits for files ---

    def resolved_database_url(self) -> str:
        """The connection URL, with the default DuckDB file filled in."""
        if self.database_url:
            return self.database_url
        return f"duckdb://{default_data_dir() / 'veiligstad.duckdb'}"

    def resolved_secret_key(self) -> str:
        """The session key: the setting, or a random key kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        path = default_data_dir() / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()
