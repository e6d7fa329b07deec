# SPDX-License-Identifier: EUPL-1.2
"""The first check of every request, before any page code runs (a plain ASGI middleware).

- **Host.** Only the trusted host names (``VEILIGSTAD_TRUSTED_HOSTS``) and the host of
  ``VEILIGSTAD_BASE_URL`` are answered; any other ``Host`` header gets 400. With a base URL
  the request's scheme and ``Host`` are replaced by the base URL's, so every absolute link
  the app builds (``request.url``, ``request.base_url``: the Atom feed, canonical links)
  names the configured address, whatever the visitor sent.
- **Path.** A path with a control character (``%00``, ``%0a``, ``%1b``…) gets 400: no page
  code, no database query ever sees one.
- **Body size.** A ``Content-Length`` above the limit of the route gets 413 before anything
  is read; a body without a length is counted while it streams, and the request ends with
  413 as soon as it passes the limit, so nothing large is spooled to disk. Upload routes
  have their own, larger limit.

Errors are drawn by ``web/errors.py``: a Dutch page, or ``application/problem+json`` on /api.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veiligstad.errors import ConfigError
from veiligstad.settings import Settings
from veiligstad.web import errors

#: Routes whose bodies may be as large as ``max_upload_request_bytes``.
UPLOAD_PREFIXES = ("/intern/uploads",)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

TOO_LARGE = "Het verzoek is te groot."
BAD_HOST = "Deze server is niet bereikbaar onder deze naam."
BAD_PATH = "Het adres bevat een ongeldig teken."


@dataclass(frozen=True)
class EdgeRules:
    """What the edge accepts: hosts, the public address and the body limits."""

    trusted_hosts: tuple[str, ...]
    base_scheme: str = ""
    base_netloc: str = ""
    max_bytes: int = 64 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> EdgeRules:
        """The rules of these settings; a base URL that is not scheme://host[:port] is refused."""
        hosts = [h.strip().lower() for h in settings.trusted_hosts.split(",") if h.strip()]
        scheme = netloc = ""
        if settings.base_url:
            parts = urlsplit(settings.base_url.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(
                    f"VEILIGSTAD_BASE_URL '{settings.base_url}' is geen webadres.",
                    hint="Geef schema en host, bijvoorbeeld https://veiligheid.example.nl.",
                )
            if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
                raise ConfigError(
                    f"VEILIGSTAD_BASE_URL '{settings.base_url}' bevat meer dan schema en host.",
                    hint="Laat pad, query en gebruikersnaam weg: https://veiligheid.example.nl.",
                )
            scheme, netloc = parts.scheme, parts.netloc.lower()
            hosts.append(parts.hostname.lower())
        return cls(
            trusted_hosts=tuple(hosts),
            base_scheme=scheme,
            base_netloc=netloc,
            max_bytes=settings.max_request_bytes,
            max_upload_bytes=settings.max_upload_request_bytes,
        )

    def host_allowed(self, host: str) -> bool:
        """Whether a Host header (port ignored) names this server.

        >>> rules = EdgeRules(("localhost", "*.example.nl"))
        >>> [rules.host_allowed(h) for h in ("localhost:8000", "a.example.nl", "example.nl", "evil.nl")]
        [True, True, False, False]
        >>> EdgeRules(("::1",)).host_allowed("[::1]:8000"), EdgeRules(("*",)).host_allowed("x")
        (True, True)
        """
        name = host_name(host)
        if not name:
            return False
        for pattern in self.trusted_hosts:
            if pattern == "*" or pattern == name:
                return True
            if pattern.startswith("*.") and name.endswith(pattern[1:]):
                return True
        return False

    def limit(self, path: str) -> int:
        """The largest body accepted on this path."""
        return self.max_upload_bytes if path.startswith(UPLOAD_PREFIXES) else self.max_bytes


def host_name(host: str) -> str:
    """The host name of a Host header, lower case, without port or IPv6 brackets.

    >>> host_name("Example.NL:8000"), host_name("[::1]:80"), host_name("::1"), host_name("a b")
    ('example.nl', '::1', '::1', '')
    """
    host = host.strip().lower()
    if host.startswith("["):
        name = host[1 : host.find("]")] if "]" in host else ""
    elif host.count(":") == 1:
        name = host.split(":", 1)[0]
    else:
        name = host
    return name if name and not re.search(r"[^a-z0-9.\-:_]", name) else ""


def has_control_character(text: str) -> bool:
    """Whether a decoded path holds a control character.

    >>> has_control_character("/intern/acties/\\x00"), has_control_character("/gebieden/GM0935")
    (True, False)
    """
    return bool(_CONTROL.search(text))


class Edge:
    """Refuses foreign hosts, control characters in paths and bodies over the limit."""

    def __init__(self, app: ASGIApp, rules: EdgeRules) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        host = next((v.decode("latin-1") for k, v in headers if k == b"host"), "")
        if not self.rules.host_allowed(host):
            await self._refuse(scope, receive, send, 400, BAD_HOST, "Gebruik het adres van het dashboard.")
            return
        if self.rules.base_netloc:
            scope = dict(scope)
            scope["scheme"] = self.rules.base_scheme
            others = [(k, v) for k, v in headers if k != b"host"]
            scope["headers"] = [(b"host", self.rules.base_netloc.encode("latin-1")), *others]
        if has_control_character(scope["path"]):
            await self._refuse(scope, receive, send, 400, BAD_PATH, "Controleer het adres.")
            return
        limit = self.rules.limit(scope["path"])
        length = next((v for k, v in headers if k == b"content-length"), None)
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await self._refuse(scope, receive, send, 400, "Ongeldige Content-Length.", "")
                return
            if declared > limit:
                await self._too_large(scope, receive, send, limit)
                return
        await self.app(scope, _counting(receive, limit), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await self._refuse(scope, receive, send, 413, TOO_LARGE, _limit_hint(limit))

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, status: int, detail: str, hint: str
    ) -> None:
        request = Request(scope, receive)
        response: Response
        if errors.is_api(request):
            response = errors.problem(status, detail, request)
        else:
            response = errors.page(request, status, detail, hint)
        response.headers["Connection"] = "close"  # the unread body is not waited for
        await response(scope, receive, send)


def _limit_hint(limit: int) -> str:
    """The limit for people.

    >>> _limit_hint(65536), _limit_hint(25 * 1024 * 1024)
    ('Stuur hoogstens 64 kB.', 'Stuur hoogstens 25 MB.')
    """
    if limit >= 1024 * 1024:
        return f"Stuur hoogstens {limit // (1024 * 1024)} MB."
    return f"Stuur hoogstens {limit // 1024} kB."


def _counting(receive: Receive, limit: int) -> Receive:
    """``receive`` that stops the request with 413 once more than ``limit`` body bytes came in."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                # FastAPI lets an HTTPException from the body through; web/errors.py draws it
                raise HTTPException(413, f"{TOO_LARGE} {_limit_hint(limit)}")
        return message

    return counted
