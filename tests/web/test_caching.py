# SPDX-License-Identifier: EUPL-1.2
"""The anonymous page cache cannot be poisoned by a Host header or grown by query strings
(issue 12, items 5 and 6), and keeps within its byte budget."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veiligstad.web.caching import HIT, PageCache


def test_a_foreign_host_name_is_never_served_to_other_visitors(client: TestClient) -> None:
    poisoned = client.get("/signalen.atom", headers={"host": "evil.example"})
    assert poisoned.status_code == 400  # not a trusted host (web/edge.py)
    for _ in range(2):
        normal = client.get("/signalen.atom")
        assert normal.status_code == 200
        assert "evil.example" not in normal.text


def test_static_files_are_not_cached_per_query_string(client: TestClient) -> None:
    for version in range(3):
        response = client.get(f"/static/vega-bundle.js?v={version}")
        assert response.status_code == 200
        assert "x-veiligstad-cache" not in response.headers


def _app(body: bytes):  # type: ignore[no-untyped-def]
    async def app(_scope: Scope, _receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


def _get(cache: PageCache, path: str) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request"}

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    asyncio.run(cache(scope, receive, send))
    return sent


def test_the_cache_keeps_within_its_byte_budget() -> None:
    cache = PageCache(_app(b"x" * 60), token=lambda: "t", max_bytes=100)
    for n in range(20):
        _get(cache, f"/pagina/{n}")
        assert cache.stored_bytes <= 100
    assert cache.stored_bytes == 60
    again = _get(cache, "/pagina/19")  # the newest one is still there
    assert HIT in again[0]["headers"]


def page_cache(app: FastAPI) -> PageCache:
    """The app's page cache middleware (the stack is built on the first request)."""
    layer: ASGIApp | None = app.middleware_stack
    while layer is not None and not isinstance(layer, PageCache):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, PageCache)
    return layer


def test_unknown_query_parameters_make_no_new_entries(web_app: FastAPI, client: TestClient) -> None:
    """10,000 distinct ``?x=N`` were 10,000 renders and (up to the limit) entries; now one."""
    first = client.get("/bronnen?x=start")
    assert first.status_code == 200
    cache = page_cache(web_app)
    entries = len(cache._entries)
    for n in range(200):
        response = client.get(f"/bronnen?x={n}&y=%00{n}")
        assert response.status_code == 200
        assert HIT[0].decode() in response.headers, n
        assert f"x={n}" not in response.text
    assert len(cache._entries) == entries
    # a parameter the app knows still makes its own page
    english = client.get("/bronnen?lang=en&x=1")
    assert english.status_code == 200 and HIT[0].decode() not in english.headers
    assert len(cache._entries) == entries + 1


def test_known_parameters_reach_the_page_unknown_ones_do_not(client: TestClient) -> None:
    response = client.get("/kaart?indicator=misdrijven-totaal&niveau=gemeente&periode=2022&evil=%22%3E")
    assert response.status_code == 200
    assert "evil" not in response.text
    assert "misdrijven-totaal" in response.text
