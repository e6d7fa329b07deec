# SPDX-License-Identifier: EUPL-1.2
"""Settings, declared once and typed: environment variables ``VEILIGSTAD_*``.

Instantiated only at the edges (CLI, web app) and passed down.
"""

from __future__ import annotations

import os
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

    def resolved_database_url(self) -> str:
        """The connection URL, with the default DuckDB file filled in."""
        if self.database_url:
            return self.database_url
        return f"duckdb://{default_data_dir() / 'veiligstad.duckdb'}"
