# SPDX-License-Identifier: EUPL-1.2
"""Security and API headers on every response (a plain ASGI middleware: no per-request task).

Nothing on a page comes from another host, so the content security policy allows only
'self'. Vega compiles chart expressions with ``Function()``, hence ``'unsafe-eval'`` for
scripts; no inline scripts are used (chart specs are JSON data blocks, not executed).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'"
)


class SecurityHeaders:
    """Adds CSP, nosniff and referrer policy; ``API-Version`` on /api; no-store on private pages."""

    def __init__(self, app: ASGIApp, api_version: str) -> None:
        self.app = app
        self.api_version = api_version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if path.startswith("/api/"):
                    headers["API-Version"] = self.api_version
                if path.startswith("/intern") or path == "/inloggen":
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
