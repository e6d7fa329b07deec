# SPDX-License-Identifier: EUPL-1.2
"""What the API builds once per snapshot (indexes, value tables, provenance, hotspot analyses).

Results live in ``snapshot.memo`` under a key that starts with the module's name, so they go
when the warehouse changes. One lock per key: concurrent first requests for the same thing
wait for one computation instead of each running it (a hotspot analysis takes seconds).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from veiligstad.services.snapshot import Snapshot

T = TypeVar("T")

_locks: dict[Hashable, threading.Lock] = {}
_guard = threading.Lock()


def _lock(key: Hashable) -> threading.Lock:
    with _guard:
        return _locks.setdefault(key, threading.Lock())


def memoised(snapshot: Snapshot, key: tuple[Hashable, ...], kind: type[T], build: Callable[[], T]) -> T:
    """The snapshot's value under ``key``, built by ``build`` the first time."""
    found = snapshot.memo.get(key)
    if isinstance(found, kind):
        return found
    lock_key = (snapshot.token, *key)
    try:
        with _lock(lock_key):
            found = snapshot.memo.get(key)
            if not isinstance(found, kind):
                found = build()
                snapshot.memo[key] = found
    finally:
        with _guard:  # waiting threads hold the lock itself; later ones find the result
            _locks.pop(lock_key, None)
    return found
