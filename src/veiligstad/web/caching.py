# SPDX-License-Identifier: EUPL-1.2
"""Whole-response cache for anonymous visitors: a page is computed once per snapshot.

Public pages and the API depend only on the snapshot (which never changes once built),
the URL and the language. So a GET from a visitor without a session is answered from
memory after its first request, until the warehouse changes (the snapshot token is part
of the key). Not cached: anything under ``/intern``, the login page, static files (served
from disk; a query string would otherwise give each ``?v=N`` its own copy), requests that
carry a session cookie, non-200 answers and answers that set a cookie other than the
language. The Host header is part of the key, so an answer built for one host name (links in
the Atom feed) is never served to a visitor of another. The cache holds at most
``max_entries`` answers and ``max_bytes`` of bodies, whichever is reached first.

Query parameters no route declares (and that are not ``lang``, ``download`` or ``format``)
are dropped from a cacheable request before the page sees it, so ``?x=1`` … ``?x=10000``
make one entry, not 10,000, and no visitor's stray parameter ends up in another's links.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veiligstad.web import auth

PRIVATE_PREFIXES = ("/intern", "/inloggen", "/uitloggen")
UNCACHED_PREFIXES = (*PRIVATE_PREFIXES, "/static/")
MAX_BODY = 8 * 1024 * 1024
#: Bodies kept at most, all entries together.
MAX_BYTES = 256 * 1024 * 1024

Key = tuple[str, bytes, str, bytes, str]

#: Marks an answer that came from the cache.
HIT = (b"x-veiligstad-cache", b"hit")


#: Query parameters read by every page (``templating.render``), declared by no route.
ALWAYS_KNOWN = frozenset({"lang", "download", "format"})


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route, including those of included routers."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)
        else:
            yield route


def declared_parameters(app: Any) -> frozenset[str]:
    """The query parameter names the app's routes declare (with their dependencies)."""
    names = set(ALWAYS_KNOWN)
    for route in _routes(getattr(app, "routes", [])):
        stack = [route.dependant] if hasattr(route, "dependant") else []
        while stack:
            dependant = stack.pop()
            names.update(param.alias for param in dependant.query_params)
            stack.extend(dependant.dependencies)
    return frozenset(names)


def known_query(query: bytes, known: frozenset[str]) -> bytes:
    """The query string without the parameters not in ``known`` (order and encoding kept).

    >>> known_query(b"x=1&lang=en&periode=2023&x=2&%6Cang=nl", frozenset({"lang", "periode"}))
    b'lang=en&periode=2023&%6Cang=nl'
    >>> known_query(b"x=1", frozenset({"lang"}))
    b''
    """
    kept = [
        part
        for part in query.split(b"&")
        if part and unquote_plus(part.split(b"=", 1)[0].decode("latin-1")) in known
    ]
    return b"&".join(kept)


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header: treat as no cookies
                return {}
            return {k: m.value for k, m in jar.items()}
    return {}


class PageCache:
    """LRU cache of complete responses, keyed by snapshot token, path, query and language."""

    def __init__(
        self, app: ASGIApp, token: Callable[[], str], max_entries: int = 2048, max_bytes: int = MAX_BYTES
    ) -> None:
        self.app = app
        self.token = token
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Key, list[Message]] = OrderedDict()
        self._sizes: dict[Key, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self._known: frozenset[str] | None = None

    def _known_parameters(self, scope: Scope) -> frozenset[str]:
        if self._known is None:  # the routes are complete once the first request comes in
            self._known = declared_parameters(scope.get("app"))
        return self._known

    def _key(self, scope: Scope) -> Key | None:
        if scope["type"] != "http" or scope["method"] != "GET":  # a HEAD answer has no body to reuse
            return None
        path: str = scope["path"]
        if path.startswith(UNCACHED_PREFIXES):
            return None
        cookies = _cookies(scope)
        if auth.SESSION_COOKIE in cookies:
            return None
        host = next((value for name, value in scope.get("headers", []) if name == b"host"), b"")
        return (self.token(), host, path, scope.get("query_string", b""), cookies.get(auth.LANG_COOKIE, ""))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        query = known_query(key[3], self._known_parameters(scope))
        if query != key[3]:
            scope = {**scope, "query_string": query}
            key = (key[0], key[1], key[2], query, key[4])
        with self._lock:
            stored = self._entries.get(key)
            if stored is not None:
                self._entries.move_to_end(key)
        if stored is not None:
            start = {**stored[0], "headers": [*stored[0].get("headers", []), HIT]}
            await send(start)
            for message in stored[1:]:
                await send(message)
            return
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)
            await send(message)

        await self.app(scope, receive, capture)
        if self._storable(captured):
            size = _size(captured)
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = captured
                    self._sizes[key] = size
                    self._bytes += size
                while self._entries and (
                    len(self._entries) > self.max_entries or self._bytes > self.max_bytes
                ):
                    old, _ = self._entries.popitem(last=False)
                    self._bytes -= self._sizes.pop(old)

    def _over_budget(self) -> bool:
        return len(self._entries) > self.max_entries or self._bytes > self.max_bytes

    @property
    def stored_bytes(self) -> int:
        """The bodies held now, in bytes."""
        return self._bytes

    @staticmethod
    def _storable(messages: list[Message]) -> bool:
        if not messages or messages[0]["type"] != "http.response.start" or messages[0]["status"] != 200:
            return False
        for name, value in messages[0].get("headers", []):
            if name == b"set-cookie" and not value.startswith(auth.LANG_COOKIE.encode() + b"="):
                return False
        return _size(messages) <= MAX_BODY and messages[-1]["type"] == "http.response.body"

    def clear(self) -> None:
        """Forget every cached response."""
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._bytes = 0


def _size(messages: list[Message]) -> int:
    return sum(len(m.get("body", b"")) for m in messages if m["type"] == "http.response.body")
