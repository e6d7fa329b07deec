# SPDX-License-Identifier: EUPL-1.2
"""The storage tests run on both backends: ``empty_url`` is a new DuckDB file or a new, empty
PostgreSQL database of the session's throwaway cluster (``tests/postgres.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import Cluster


@pytest.fixture(params=["duckdb", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a warehouse that holds nothing yet, on each backend."""
    if request.param == "duckdb":
        yield f"duckdb://{tmp_path / 'fresh' / 'veiligstad.duckdb'}"
        return
    server: Cluster = request.getfixturevalue("postgres_cluster")
    url = server.create_database()
    yield url
    server.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture
def duckdb_url(tmp_path: Path) -> str:
    """URL of a DuckDB file that does not exist yet (tests of DuckDB-only behaviour)."""
    return f"duckdb://{tmp_path / 'fresh' / 'veiligstad.duckdb'}"
