# SPDX-License-Identifier: EUPL-1.2
"""Whole-response cache for anonymous visitors: a page is computed once per snapshot.

Public pages and the API depend only on the snapshot (which never changes once built),
the URL and the language. So a GET from a visitor without a session is answered from
memory after its first request, until the warehouse changes (the snapshot token is part
of the key). Not cached: anything under ``/intern``, the login page, requests that carry
a session cookie, non-200 answers and answers that set a cookie other than the language.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veiligstad.web import auth

PRIVATE_PREFIXES = ("/intern", "/inloggen", "/uitloggen")
MAX_BODY = 8 * 1024 * 1024

Key = tuple[str, str, bytes, str]

#: Marks an answer that came from the cache.
HIT = (b"x-veiligstad-cache", b"hit")


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

    def __init__(self, app: ASGIApp, token: Callable[[], str], max_entries: int = 2048) -> None:
        self.app = app
        self.token = token
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, list[Message]] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, scope: Scope) -> Key | None:
        if scope["type"] != "http" or scope["method"] != "GET":  # a HEAD answer has no body to reuse
            return None
        path: str = scope["path"]
        if path.startswith(PRIVATE_PREFIXES):
            return None
        cookies = _cookies(scope)
        if auth.SESSION_COOKIE in cookies:
            return None
        return (self.token(), path, scope.get("query_string", b""), cookies.get(auth.LANG_COOKIE, ""))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
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
            with self._lock:
                self._entries[key] = captured
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)

    @staticmethod
    def _storable(messages: list[Message]) -> bool:
        if not messages or messages[0]["type"] != "http.response.start" or messages[0]["status"] != 200:
            return False
        for name, value in messages[0].get("headers", []):
            if name == b"set-cookie" and not value.startswith(auth.LANG_COOKIE.encode() + b"="):
                return False
        size = sum(len(m.get("body", b"")) for m in messages if m["type"] == "http.response.body")
        return size <= MAX_BODY and messages[-1]["type"] == "http.response.body"

    def clear(self) -> None:
        """Forget every cached response."""
        with self._lock:
            self._entries.clear()
