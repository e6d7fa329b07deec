# SPDX-License-Identifier: EUPL-1.2
"""The throwaway PostgreSQL cluster of the test fixtures is a real server."""

from __future__ import annotations

import psycopg

from tests.postgres import Cluster


def test_fresh_database_is_a_real_empty_server(postgres_cluster: Cluster, fresh_postgres_url: str) -> None:
    with psycopg.connect(fresh_postgres_url, autocommit=True) as con:
        version = con.execute("SHOW server_version_num").fetchone()
        tables = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert version is not None and int(version[0]) >= 150000
    assert tables == (0,)
    assert fresh_postgres_url.startswith(f"postgresql://postgres@127.0.0.1:{postgres_cluster.port}/t_")
