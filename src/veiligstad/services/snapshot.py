# SPDX-License-Identifier: EUPL-1.2
"""What the dashboard and the API read: computed once per state of the warehouse.

Computing every indicator takes seconds (tens of seconds on a busy machine); a page must
answer in milliseconds. A
``Snapshot`` holds the values (raw and after disclosure control), the programme status,
the areas with their boundaries, the sources and the alerts. ``SnapshotCache`` rebuilds it
when the warehouse changed (checked at most every ``check_seconds``), with a short-lived
connection, so a running server never keeps the DuckDB file locked and a CLI import can
write. While a rebuild fails because another process holds the file (an import), the
previous snapshot keeps being served, without waiting. A warehouse that has disappeared or
is damaged is different: ``get`` raises its ``WarehouseError`` (the pages answer 503) and
logs it once, until the file is back; the old figures are not served as if nothing
happened, and no new, empty warehouse is made.

With a ``SnapshotStore`` the computed parts are kept on disk per data state, so other processes
(``serve --workers N``, the CLI through ``load_or_build``) read them instead of computing them
again. With ``background`` (``serve``) a data change is computed in a thread while the previous
snapshot is served, so the first answer after an import does not wait for it; meanwhile the
accounts and the action programme are read afresh, as after any other change.

The token of a snapshot (``state_token``) says what it holds: the data state
(``snapshot_store.data_state``), the accounts and action parts of ``Warehouse.state`` and the
day (UTC) for which the sources' staleness was judged. Cached answers are keyed by it, so it
changes whenever anything a page shows may change, also at midnight.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
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
from veiligstad.services.snapshot_store import SnapshotStore, data_state
from veiligstad.storage.warehouse import Warehouse, WarehouseCorrupt, WarehouseMissing, fingerprint

log = logging.getLogger("veiligstad.web")


#: Keys of the snapshot's own entries in its memo.
_AREA_POSITIONS = ("snapshot", "area positions")
_OWN_AREAS = ("snapshot", "own areas")
_OWN_CODES = ("snapshot", "own codes")
_LEVELS = frozenset(level.value for level in AreaLevel)


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
        positions: dict[str, int] | None = self.memo.get(_AREA_POSITIONS)
        if positions is None:  # once per snapshot: a scan of the register took a millisecond
            positions = {}
            for index, found in enumerate(self.areas["code"]):
                positions.setdefault(str(found), index)
            self.memo[_AREA_POSITIONS] = positions
        position = positions.get(code)
        return None if position is None else {str(k): v for k, v in self.areas.iloc[position].items()}

    def own_areas(self, level: str | None = None) -> pd.DataFrame:
        """The programme municipality's areas, optionally of one level, by code."""
        key = (_OWN_AREAS, level)
        rows: pd.DataFrame | None = self.memo.get(key)
        if rows is None:
            rows = self.areas[self.areas["gemeente_code"] == self.municipality]
            if level is not None:
                rows = rows[rows["level"] == level]
            rows = rows.sort_values("code")
            if level is None or level in _LEVELS:
                self.memo[key] = rows  # bounded: one per level
        return rows.copy(deep=False)  # copy-on-write: a caller's change stays its own

    def own_codes(self) -> frozenset[str]:
        """The codes of the programme municipality's areas."""
        codes: frozenset[str] | None = self.memo.get(_OWN_CODES)
        if codes is None:
            codes = self.memo[_OWN_CODES] = frozenset(str(c) for c in self.own_areas()["code"])
        return codes

    def frame(self, public: bool) -> pd.DataFrame:
        """The values as the viewer may see them."""
        return self.public_values if public else self.values

    @property
    def day(self) -> dt.date:
        """The day (UTC) for which the sources' staleness was judged (the token's last part)."""
        return token_day(self.token)


def today() -> dt.date:
    """Today (UTC), the day the sources' staleness is judged on."""
    return dt.datetime.now(dt.UTC).date()


def state_token(warehouse: Warehouse, day: dt.date | None = None) -> str:
    """``<data state>|<accounts>|<action changes>|<day>``: changes with every load (also one that
    only makes an older version of a source current again), every account and action change and
    every day."""
    _, accounts_part, changes = warehouse.state().split("|", 2)
    return f"{data_state(warehouse)}|{accounts_part}|{changes}|{(day or today()).isoformat()}"


def token_day(token: str) -> dt.date:
    """The day of a token (``state_token``).

    >>> token_day("3@x#ab|1@y|0|2026-12-02")
    datetime.date(2026, 12, 2)
    """
    return dt.date.fromisoformat(token.rsplit("|", 1)[-1])


def interim_token(current: str, previous: str) -> str:
    """The token of the previous figures served with the current accounts and actions while new
    figures are computed: the previous data part and day, the current rest.

    >>> interim_token("4@b#2|2@z|7|2026-12-03", "3@a#1|1@y|5|2026-12-02")
    '3@a#1|2@z|7|2026-12-02'
    """
    data, *_, day = previous.split("|")
    _, accounts_part, changes, _ = current.split("|")
    return f"{data}|{accounts_part}|{changes}|{day}"


def _clockwise(geometry: str) -> dict[str, Any]:
    """GeoJSON with clockwise outer rings, as d3-geo (Vega) needs them."""
    geom = shapely.orient_polygons(shape(json.loads(geometry)), exterior_cw=True)
    return dict(mapping(geom))


def build(warehouse: Warehouse, definitions: Definitions, threshold: int) -> Snapshot:
    """Compute everything once from an open warehouse."""
    token = state_token(warehouse)
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
        sources=freshness.source_status(warehouse, today=token_day(token)),
        alerts=alert_service.alerts(warehouse, definitions, values=public),
        accounts={u.username: u for u in accounts.users(warehouse)},
        threshold=threshold,
        built_at=dt.datetime.now(dt.UTC),
        token=token,
    )


class SnapshotCache:
    """The current snapshot of one warehouse; rebuilt when the warehouse changes.

    With a ``store`` the computed figures are kept on disk per warehouse state, so that other
    processes (web workers, the CLI) read them instead of computing them again. With
    ``background`` a data change that needs new figures is computed in a thread while the
    previous snapshot keeps being served: the first answer after an import does not wait.
    """

    def __init__(
        self,
        url: str,
        definitions: Callable[[], Definitions],
        threshold: int = disclosure.DEFAULT_THRESHOLD,
        check_seconds: float = 2.0,
        prepare: Callable[[Warehouse], None] | None = None,
        store: SnapshotStore | None = None,
        background: bool = False,
        settled: Callable[[], None] | None = None,
    ) -> None:
        self.url = url
        self._settled = settled  # called (outside the lock) once a new snapshot replaced the old
        self._settled_for: int | None = None
        self._definitions = definitions
        self.threshold = threshold
        self.check_seconds = check_seconds
        self._prepare = prepare
        self.store = store
        self.background = background
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._file_token: str | None = None
        self._checked = 0.0
        self._check_began = -1.0  # when the last check in ``get`` began (not a background build)
        self._builder: threading.Thread | None = None
        self.last_error: Exception | None = None
        self._fault: WarehouseError | None = None  # the warehouse is gone or damaged

    def get(self, *, fresh: bool = False) -> Snapshot:
        """The snapshot (``_get``); after a new one replaced the previous, ``settled`` is called."""
        found = self._get(fresh=fresh)
        self._after_change(found)
        return found

    def _after_change(self, found: Snapshot) -> None:
        if self._settled is not None and self._settled_for != id(found):
            self._settled_for = id(found)  # a second thread that also sees it may call it again
            self._settled()

    def _get(self, *, fresh: bool = False) -> Snapshot:
        """The snapshot, rebuilt first when the warehouse changed since the last check (at
        most every ``check_seconds``; with ``fresh`` now: a page that shows what was just
        saved, in this process or another) or the day changed.

        While new figures are computed in the background the previous ones are served; with
        ``fresh`` the warehouse is still checked then, so accounts and actions are current.

        Concurrent ``fresh`` requests share a check: one that began after a request arrived is
        fresh enough for it (without a file to look at, on PostgreSQL, every check opens the
        warehouse, and twenty requests each waiting for their own made a queue of seconds).

        Raises ``WarehouseError`` while the warehouse file is missing or damaged."""
        asked = time.monotonic()
        current = self._snapshot
        if current is not None and not fresh and self.building:  # new figures are on their way
            return current
        if not fresh and self._recent(current):
            self._raise_fault()
            if current is not None:
                return current
        with self._lock:
            if self._snapshot is not None and not fresh and self.building:
                return self._snapshot
            if not fresh and self._recent(self._snapshot):
                self._raise_fault()
                if self._snapshot is not None:
                    return self._snapshot
            if fresh and self._check_began >= asked and self._snapshot is not None:  # checked since
                self._raise_fault()
                return self._snapshot
            self._checked = self._check_began = time.monotonic()
            # taken before reading: a write after this moment is noticed by the next check
            token = fingerprint(self.url)
            if (
                self._fault is None
                and self._snapshot is not None
                and token is not None
                and token == self._file_token
                and self._snapshot.day == today()
            ):
                return self._snapshot
            try:
                self._snapshot = self._rebuild(self._snapshot)
                self._file_token = token
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
            assert self._snapshot is not None
            return self._snapshot

    def _recent(self, current: Snapshot | None) -> bool:
        """Whether the last check is recent enough to answer without one (same day too)."""
        if time.monotonic() - self._checked >= self.check_seconds:
            return False
        return current is None or current.day == today()

    @property
    def building(self) -> bool:
        """Whether new figures are being computed in the background."""
        builder = self._builder
        return builder is not None and builder.is_alive()

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
        """The snapshot of the warehouse now: the previous one with the current accounts and
        actions when the data are the same (the sources judged again on a new day), else the
        stored one of this state, else computed. With ``background`` and a previous one to show
        meanwhile, reading or computing the new figures happens in a thread, and the previous
        figures are served with the current accounts and actions until they are ready."""
        # with figures to show, do not wait for another process: show them and try again later
        wait = 0.0 if previous is not None else None
        with Warehouse.open(self.url, wait_seconds=wait) as warehouse:
            if self._prepare is not None:
                self._prepare(warehouse)
            token = state_token(warehouse)
            if previous is not None and token == previous.token:
                return previous
            users = {u.username: u for u in accounts.users(warehouse)}
            if previous is not None and same_data(token, previous.token):  # no recompute
                sources = previous.sources
                if token_day(token) != previous.day:  # staleness is judged per day
                    sources = freshness.source_status(warehouse, today=token_day(token))
                return replace(previous, token=token, accounts=users, sources=sources, memo={})
            if not (self.background and previous is not None):
                found = self._stored(warehouse, token, self._definitions(), users)
                if found is not None:
                    return found
        if self.background and previous is not None:  # read or compute in a thread
            if not self.building:
                self._builder = threading.Thread(target=self._build_in_background, daemon=True)
                self._builder.start()
            interim = interim_token(token, previous.token)
            if interim == previous.token:
                return previous
            return replace(previous, token=interim, accounts=users, memo={})
        return self._compute(None)

    def _stored(
        self, warehouse: Warehouse, token: str, definitions: Definitions, users: dict[str, User]
    ) -> Snapshot | None:
        """The stored figures of this state, if any; the sources judged again when they were
        judged on another day than the token's."""
        if self.store is None:
            return None
        parts = self.store.load(self.store.key(token, definitions, self.threshold))
        if parts is None:
            return None
        parts.pop("key", None)
        day = token_day(token)
        if parts.get("sources_day") != day:
            parts["sources"] = freshness.source_status(warehouse, today=day)
        parts.pop("sources_day", None)
        return Snapshot(definitions=definitions, accounts=users, token=token, **parts)

    def _compute(self, wait: float | None) -> Snapshot:
        """Compute the figures and store them; with a store, one process at a time (the others
        wait for the store's lock and then read what the first one wrote)."""
        with self.store.lock() if self.store is not None else nullcontext():
            with Warehouse.open(self.url, wait_seconds=wait) as warehouse:
                if self._prepare is not None:
                    self._prepare(warehouse)
                definitions = self._definitions()
                token = state_token(warehouse)
                users = {u.username: u for u in accounts.users(warehouse)}
                found = self._stored(warehouse, token, definitions, users)
                if found is not None:
                    return found
                started = time.perf_counter()
                built = build(warehouse, definitions, self.threshold)
            log.info("cijfers berekend in %.1f s", time.perf_counter() - started)
            if self.store is not None:
                key = self.store.key(built.token, definitions, self.threshold)
                self.store.save(key, stored_parts(built))
        return built

    def _build_in_background(self) -> None:
        token = fingerprint(self.url)  # before reading: a later write is noticed by the next check
        try:
            built = self._compute(None)
        except Exception as exc:  # the previous figures stay; the next check tries again
            log.warning("nieuwe cijfers berekenen mislukt: %s", exc)
            with self._lock:
                self.last_error = exc
                self._checked = time.monotonic()
            return
        with self._lock:
            self._snapshot = built
            self._file_token = token
            self._checked = time.monotonic()
            self.last_error = None
        self._after_change(built)


#: The parts of a ``Snapshot`` that a store keeps (not the definitions, accounts, token, memo).
STORED = (
    "values",
    "public_values",
    "status",
    "areas",
    "geometries",
    "sources",
    "alerts",
    "threshold",
    "built_at",
)


def stored_parts(snap: Snapshot) -> dict[str, Any]:
    """What ``SnapshotStore`` keeps of a snapshot (and the day its sources were judged on)."""
    return {**{name: getattr(snap, name) for name in STORED}, "sources_day": snap.day}


def load_or_build(
    url: str, definitions: Callable[[], Definitions], threshold: int, data_dir: Path
) -> Snapshot:
    """The snapshot of the warehouse at ``url``: read from its store when another process (a web
    worker, an earlier command) computed it for this state, else computed and stored. For the
    CLI (``status``, ``indicator``) and ``serve`` before its workers start."""
    cache = SnapshotCache(url, definitions, threshold=threshold, store=SnapshotStore.for_url(url, data_dir))
    return cache.get()


def same_data(token: str, other: str) -> bool:
    """Whether two snapshot tokens hold the same data (their first part, see ``state_token``),
    so that the figures need not be computed again.

    >>> same_data("3@2026-01-01#a|1@x|0|2026-12-02", "3@2026-01-01#a|2@y|5|2026-12-03")
    True
    >>> same_data("3@a#1|1|0|2026-12-02", "3@a#2|1|0|2026-12-02")
    False
    """
    return token.split("|", 1)[0] == other.split("|", 1)[0]


def level_order(level: str) -> int:
    """Sort key of an area level, coarsest first."""
    return [lvl.value for lvl in AreaLevel].index(level) if level in set(AreaLevel) else 99
