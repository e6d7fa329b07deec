# SPDX-License-Identifier: EUPL-1.2
"""Opening the warehouse: the one door the edges (CLI, web, reports) use.

The edges never import ``veiligstad.storage`` themselves (an import-linter contract holds
them to it): they open the warehouse here, with the bounded wait for another process that
holds it (``set_wait``), and find here the names they need to talk about it. The URL comes
from the edge (``Settings.resolved_database_url()``): services do not read settings.

Faults are ``WarehouseError`` subclasses with a Dutch message (``veiligstad.errors``):
``WarehouseBusy`` (another process held the file past the bound), ``WarehouseCorrupt``
and ``WarehouseMissing``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from types import TracebackType

from veiligstad.errors import WarehouseError
from veiligstad.storage.warehouse import (
    OBSERVATIONS,
    Warehouse,
    WarehouseBusy,
    WarehouseCorrupt,
    WarehouseMissing,
    duckdb_path,
    fingerprint,
    set_wait,
)

__all__ = [
    "OBSERVATIONS",
    "OnDemand",
    "Warehouse",
    "WarehouseBusy",
    "WarehouseCorrupt",
    "WarehouseError",
    "WarehouseMissing",
    "duckdb_path",
    "fingerprint",
    "opened",
    "set_wait",
]


@contextmanager
def opened(
    url: str,
    *,
    wait_seconds: float | None = None,
    notify: Callable[[str], None] | None = None,
) -> Iterator[Warehouse]:
    """The warehouse at ``url``, open for reading and writing until the block ends.

    Waits up to ``wait_seconds`` (default: what ``set_wait`` set, from
    ``VEILIGSTAD_WRITE_WAIT_SECONDS``) for another process that holds the DuckDB file,
    telling ``notify`` while it waits; past the bound it raises ``WarehouseBusy``.
    """
    with Warehouse.open(url, wait_seconds=wait_seconds, notify=notify) as warehouse:
        yield warehouse


class OnDemand:
    """The warehouse at ``url``, opened on the first call and closed when the block ends:
    for work that a memo mostly answers (opening a DuckDB file costs tens of milliseconds).

    >>> with OnDemand("duckdb://") as warehouse:
    ...     warehouse() is warehouse()
    True
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._stack = ExitStack()
        self._warehouse: Warehouse | None = None

    def __enter__(self) -> OnDemand:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stack.close()
        self._warehouse = None

    def __call__(self) -> Warehouse:
        if self._warehouse is None:
            self._warehouse = self._stack.enter_context(opened(self.url))
        return self._warehouse
