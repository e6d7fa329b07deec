# SPDX-License-Identifier: EUPL-1.2
"""The warehouse opens any Ibis URL, creates its schema once and reports bad URLs in Dutch."""

from __future__ import annotations

import pytest

from veiligstad.errors import WarehouseError
from veiligstad.storage.warehouse import SCHEMAS, Warehouse


def test_schema_is_created_once(empty_url: str) -> None:
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
        warehouse.ensure_schema()
        assert set(SCHEMAS) <= set(warehouse.con.list_tables())
        assert warehouse.is_empty()


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(WarehouseError, match="Kan het warehouse niet openen"), Warehouse.open("nosuchdb://x"):
        pass
