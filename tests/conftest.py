# SPDX-License-Identifier: EUPL-1.2
"""Shared fixtures: a warehouse loaded once per session with the embedded real data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.postgres import Cluster, cluster
from veiligstad.definitions.validation import Definitions
from veiligstad.services import bootstrap, monitor
from veiligstad.storage.warehouse import Warehouse


@pytest.fixture(scope="session")
def loaded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a DuckDB warehouse with the embedded data (treat as read-only)."""
    path = tmp_path_factory.mktemp("warehouse") / "veiligstad.duckdb"
    url = f"duckdb://{path}"
    with Warehouse.open(url) as warehouse:
        bootstrap.initialise(warehouse)
    return url


@pytest.fixture
def warehouse(loaded_url: str) -> Iterator[Warehouse]:
    """An open connection to the shared loaded warehouse."""
    with Warehouse.open(loaded_url) as opened:
        yield opened


@pytest.fixture(scope="session")
def definitions() -> Definitions:
    """The built-in Maastricht programme and catalogue."""
    return monitor.load_definitions()


@pytest.fixture(scope="session")
def values(loaded_url: str, definitions: Definitions) -> pd.DataFrame:
    """All indicator values of the embedded data."""
    with Warehouse.open(loaded_url) as opened:
        return monitor.indicator_values(opened, definitions)


@pytest.fixture
def empty_url(tmp_path: Path) -> str:
    """URL of a warehouse file that does not exist yet."""
    return f"duckdb://{tmp_path / 'fresh' / 'veiligstad.duckdb'}"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL server for the whole test session (``tests/postgres.py``).
    Fails, never skips, when the PostgreSQL binaries are missing."""
    with cluster() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: Cluster) -> str:
    """URL of an empty PostgreSQL database shared by the session (``postgresql://…``)."""
    return postgres_cluster.create_database("veiligstad_session")


@pytest.fixture
def fresh_postgres_url(postgres_cluster: Cluster) -> Iterator[str]:
    """URL of a new, empty PostgreSQL database for one test; dropped afterwards."""
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def postgres_loaded_url(postgres_cluster: Cluster) -> str:
    """URL of a PostgreSQL warehouse with the embedded data, loaded once per session (treat as
    read-only; ``postgres_cluster.create_database(template=...)`` copies it for writers)."""
    url = postgres_cluster.create_database("veiligstad_loaded")
    with Warehouse.open(url) as warehouse:
        bootstrap.initialise(warehouse)
    return url
