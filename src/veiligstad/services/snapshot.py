# SPDX-License-Identifier: EUPL-1.2
"""What the dashboard and the API read: computed once per state of the warehouse.

Computing every indicator takes about a second; a page must answer in milliseconds. A
``Snapshot`` holds the values (raw and after disclosure control), the programme status,
the areas with their boundaries, the sources and the alerts. ``SnapshotCache`` rebuilds it
when the warehouse changed (checked at most every ``check_seconds``), with a short-lived
connection, so a running server never keeps the DuckDB file locked and a CLI import can
write. While a rebuild fails because another process holds the file (an import), the
previous snapshot keeps being served, without waiting. A warehouse that has disappeared or
is damaged is different: ``get`` raises its ``WarehouseError`` (the pages answer 503) and
logs it once, until the file is back; the old figures are not served as if nothing
happened, and no new, empty warehouse is made.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.accounts import User
from veiligstad.domain.areas import AreaLevel
from veiligstad.domain.indicators import Indicator
from veiligstad.engine import disclosure
from veiligstad.errors import VeiligstadError, WarehouseError
from veiligstad.services import accounts, freshness, monitor
from veiligstad.services import alerts as alert_service
from veiligstad.storage.warehouse import Warehouse, WarehouseCorrupt, WarehouseMissing, fingerprint

log = logging.getLogger("veiligstad.web")


@dataclass(frozen=True)
class Snapshot:
    """Everything a page needs, computed once; never changed after it is built."""

    definitions: Definitions
    values: pd.DataFrame
    public_values: pd.DataFrame
    status: list[monitor.StatusRow]
    areas: pd.DataFrame
    geometries: dict[str, dict[str, Any]]
    sources: list[freshness.SourceStatus]
    alerts: list[alert_service.Alert]
    accounts: dict[str, User]
    threshold: int
    built_at: dt.datetime
    token: str
    memo: dict[Any, Any] = field(default_factory=dict, compare=False)  # per-snapshot caches

    @property
    def municipality(self) -> str:
        """Code of the programme's municipality."""
        return self.definitions.programme.municipality

    def indicator(self, indicator_id: str) -> Indicator | None:
        """A definition by id."""
        return self.definitions.indicator(indicator_id)

    def area(self, code: str) -> dict[str, Any] | None:
        """One area's register row (code, name, level, parents, boundary year)."""
        rows = self.areas[self.areas["code"] == code]
        return None if rows.empty else {str(k): v for k, v in rows.iloc[0].items()}

    def own_areas(self, level: str | None = None) -> pd.DataFrame:
        """The programme municipality's areas, optionally of one level, by code."""
        rows = self.areas[self.areas["gemeente_code"] == self.municipality]
        if level is not None:
            rows = rows[rows["level"] == level]
        return rows.sort_values("code")

    def frame(self, public: bool) -> pd.DataFrame:
        """The values as the viewer may see them."""
        return self.public_values if public else self.values


def _clockwise(geometry: str) -> dict[str, Any]:
    """GeoJSON with clockwise outer rings, as d3-geo (Vega) needs them."""
    geom = shapely.orient_polygons(shape(json.loads(geometry)), exterior_cw=True)
    return dict(mapping(geom))


def build(warehouse: Warehouse, definitions: Definitions, threshold: int) -> Snapshot:
    """Compute everything once from an open warehouse."""
    token = warehouse.state()
    values = monitor.indicator_values(warehouse, definitions)
    kinds = {i.id: i.kind for i in definitions.indicators()}
    table = warehouse.areas()
    areas = table.drop("geometry").to_pandas()
    areas = areas.astype(object).where(areas.notna(), None)
    public = disclosure.apply(values, kinds, threshold, areas)  # primary and secondary
    shapes = table.filter(table.geometry.notnull()).select("code", "geometry").to_pandas()
    pairs = zip(shapes["code"], shapes["geometry"], strict=True)
    geometries = {str(code): _clockwise(str(text)) for code, text in pairs}
    return Snapshot(
        definitions=definitions,
        values=values,
        public_values=public,
        status=monitor.status(public, definitions),
        areas=areas,
        geometries=geometries,
        sources=freshness.source_status(warehouse),
        alerts=alert_service.alerts(warehouse, definitions, values=public),
        accounts={u.username: u for u in accounts.users(warehouse)},
        threshold=threshold,
        built_at=dt.datetime.now(dt.UTC),
        token=token,
    )


class SnapshotCache:
    """The current snapshot of one warehouse; rebuilt when the warehouse changes."""

    def __init__(
        self,
        url: str,
        definitions: Callable[[], Definitions],
        threshold: int = disclosure.DEFAULT_THRESHOLD,
        check_seconds: float = 2.0,
        prepare: Callable[[Warehouse], None] | None = None,
    ) -> None:
        self.url = url
        self._definitions = definitions
        self.threshold = threshold
        self.check_seconds = check_seconds
        self._prepare = prepare
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._file_token: str | None = None
        self._checked = 0.0
        self.last_error: Exception | None = None
        self._fault: WarehouseError | None = None  # the warehouse is gone or damaged

    def get(self) -> Snapshot:
        """The snapshot, rebuilt first when the warehouse changed since the last check.

        Raises ``WarehouseError`` while the warehouse file is missing or damaged."""
        now = time.monotonic()
        current = self._snapshot
        if now - self._checked < self.check_seconds:
            self._raise_fault()
            if current is not None:
                return current
        with self._lock:
            if time.monotonic() - self._checked < self.check_seconds:
                self._raise_fault()
                if self._snapshot is not None:
                    return self._snapshot
            self._checked = time.monotonic()
            token = fingerprint(self.url)
            if (
                self._fault is None
                and self._snapshot is not None
                and token is not None
                and token == self._file_token
            ):
                return self._snapshot
            try:
                self._snapshot = self._rebuild(self._snapshot)
                self._file_token = fingerprint(self.url)
                if self._fault is not None:
                    log.warning("het warehouse is weer bruikbaar (%s)", self.url)
                self._fault = None
                self.last_error = None
            except (WarehouseMissing, WarehouseCorrupt) as exc:  # no stale figures, no new empty file
                if self._fault is None or self._fault.message != exc.message:
                    log.error("%s %s", exc.message, exc.hint)
                self._fault = exc
                self.last_error = exc
                raise
            except Exception as exc:  # held by another process: keep serving what we have
                self.last_error = exc
                if self._snapshot is None:
                    raise
            return self._snapshot

    def token(self) -> str:
        """The snapshot's token, for keys of cached answers; ``""`` while the warehouse cannot be
        read (the page itself then answers with the error, and error answers are not cached)."""
        try:
            return self.get().token
        except VeiligstadError:
            return ""

    def _raise_fault(self) -> None:
        fault = self._fault
        if fault is not None:  # a new instance each time: no traceback grows on a shared one
            raise type(fault)(fault.message, hint=fault.hint)

    def _rebuild(self, previous: Snapshot | None) -> Snapshot:
        # with figures to show, do not wait for another process: show them and try again later
        wait = 0.0 if previous is not None else None
        with Warehouse.open(self.url, wait_seconds=wait) as warehouse:
            if self._prepare is not None:
                self._prepare(warehouse)
            if previous is None:
                return build(warehouse, self._definitions(), self.threshold)
            token = warehouse.state()
            if token == previous.token:
                return previous
            if same_data(token, previous.token):  # only accounts or actions changed: no recompute
                users = {u.username: u for u in accounts.users(warehouse)}
                return replace(previous, token=token, accounts=users, memo={})
            return build(warehouse, self._definitions(), self.threshold)


def same_data(token: str, other: str) -> bool:
    """Whether two warehouse states hold the same observations (their first part, see
    ``Warehouse.state``), so that the figures need not be computed again.

    >>> same_data("3@2026-01-01|1@x|0", "3@2026-01-01|2@y|5"), same_data("3@a|1|0", "4@b|1|0")
    (True, False)
    """
    return token.split("|", 1)[0] == other.split("|", 1)[0]


def level_order(level: str) -> int:
    """Sort key of an area level, coarsest first."""
    return [lvl.value for lvl in AreaLevel].index(level) if level in set(AreaLevel) else 99
