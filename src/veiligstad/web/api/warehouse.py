# SPDX-License-Identifier: EUPL-1.2
"""A short-lived warehouse connection for the few API answers the snapshot does not hold.

While a CLI import holds the DuckDB file, opening it fails: the API then answers 503 with
``Retry-After`` instead of blocking or failing with a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from starlette.exceptions import HTTPException

from veiligstad.errors import WarehouseError
from veiligstad.services import warehouses
from veiligstad.services.warehouses import Warehouse

log = logging.getLogger("veiligstad.web")

RETRY_AFTER_SECONDS = 5


@contextmanager
def short_lived(request: Request) -> Iterator[Warehouse]:
    """Open the app's warehouse for one answer; 503 when it cannot be opened now."""
    url: str = request.app.state.cache.url
    try:
        with warehouses.opened(url) as warehouse:
            yield warehouse
    except WarehouseError as exc:
        log.warning("warehouse niet te openen voor de API: %s", exc.message)
        raise HTTPException(
            503,
            "De gegevens zijn even niet te lezen (bijvoorbeeld tijdens een import); probeer het zo opnieuw.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from exc
