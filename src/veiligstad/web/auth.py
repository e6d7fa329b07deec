# SPDX-License-Identifier: EUPL-1.2
"""Who is looking: signed session cookies, roles, form tokens (CSRF) and login rate limiting.

- The session cookie holds only the user name and a form token, signed with the secret key
  (itsdangerous) and valid for ``SESSION_SECONDS``; HttpOnly, SameSite=Lax, Secure when the
  request came over HTTPS. The role is looked up in the current accounts on every request,
  so removing an account or lowering its role takes effect at once.
- Every form carries a token that must equal the one in the ``veiligstad_csrf`` cookie
  (double submit; the cookie is SameSite=Strict). ``csrf_protected`` checks it.
- After ``MAX_FAILURES`` failed logins for one user name or one address within
  ``WINDOW_SECONDS``, logins from there are refused until the window has passed.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from veiligstad.domain.accounts import Role, User
from veiligstad.errors import AccessDenied, BadRequest, LoginRequired, TooManyAttempts
from veiligstad.web import i18n

SESSION_COOKIE = "veiligstad_sessie"
CSRF_COOKIE = "veiligstad_csrf"
LANG_COOKIE = "veiligstad_taal"
SESSION_SECONDS = 8 * 3600
MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True)
class Viewer:
    """The person making the request: account (or none), role, language and form token."""

    user: User | None
    lang: str
    csrf: str
    new_csrf: bool = False
    lang_from_query: bool = False

    @property
    def role(self) -> Role:
        """The account's role; anonymous visitors are ``publiek``."""
        return self.user.role if self.user else Role.PUBLIEK

    @property
    def username(self) -> str | None:
        """The account name, or None."""
        return self.user.username if self.user else None

    def allows(self, role: Role) -> bool:
        """Whether this viewer may see what ``role`` may see."""
        return self.role.allows(role)


class Sessions:
    """Signs and reads session cookies."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="veiligstad-sessie")

    def issue(self, user: User) -> str:
        """A new session token for this account."""
        return self._serializer.dumps({"u": user.username})

    def read(self, token: str | None) -> str | None:
        """The user name in a valid, unexpired token; None otherwise."""
        if not token:
            return None
        try:
            data = self._serializer.loads(token, max_age=SESSION_SECONDS)
        except BadSignature:  # also covers expired signatures
            return None
        name = data.get("u") if isinstance(data, dict) else None
        return name if isinstance(name, str) else None


class LoginLimiter:
    """Counts failed logins per key (user name, address) in a sliding window."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        """Raise ``TooManyAttempts`` when any key has too many recent failures."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                recent = self._failures[key]
                while recent and now - recent[0] > self.window:
                    recent.popleft()
                if len(recent) >= self.max_failures:
                    wait = int(self.window - (now - recent[0])) + 1
                    raise TooManyAttempts(
                        f"Te veel mislukte pogingen. Probeer het over {max(1, wait // 60)} minuten opnieuw.",
                        retry_after=wait,
                    )

    def failed(self, *keys: str) -> None:
        """Record one failure for every key."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of these keys."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def viewer(request: Request) -> Viewer:
    """Dependency: the viewer of this request (cached on the request)."""
    cached = getattr(request.state, "viewer", None)
    if isinstance(cached, Viewer):
        return cached
    app_state = request.app.state
    name = app_state.sessions.read(request.cookies.get(SESSION_COOKIE))
    user = app_state.cache.get().accounts.get(name) if name else None
    if user is not None and user.disabled:
        user = None
    csrf = request.cookies.get(CSRF_COOKIE) or ""
    query_lang = request.query_params.get("lang")
    result = Viewer(
        user=user,
        lang=i18n.choose(query_lang, request.cookies.get(LANG_COOKIE)),
        csrf=csrf or secrets.token_urlsafe(24),
        new_csrf=not csrf,
        lang_from_query=query_lang in i18n.LANGUAGES,
    )
    request.state.viewer = result
    return result


ViewerDep = Annotated[Viewer, Depends(viewer)]


def require(role: Role) -> Callable[..., Viewer]:
    """Dependency factory: the viewer, who must be logged in with at least ``role``."""

    def dependency(request: Request) -> Viewer:
        seen = viewer(request)
        if seen.user is None:
            raise LoginRequired("Log in om deze pagina te zien.")
        if not seen.allows(role):
            raise AccessDenied(f"Deze pagina is alleen voor de rol '{role.value}' en hoger.")
        return seen

    dependency.required_role = role  # type: ignore[attr-defined]  # read by the route audit test
    return dependency


def csrf_protected(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    """Dependency of every form: the submitted token must equal the cookie's."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        raise BadRequest(
            "Het formulier is verlopen of niet vanaf deze site verstuurd.",
            hint="Laad de pagina opnieuw en probeer het nog eens.",
        )


def remember(response: Response, seen: Viewer, secure: bool, forms: bool) -> None:
    """Set the language cookie, and the form-token cookie on pages that have a POST form.

    Public pages for anonymous visitors set no per-visitor cookie, so they can be cached.
    """
    if seen.new_csrf and forms:
        response.set_cookie(CSRF_COOKIE, seen.csrf, httponly=True, samesite="strict", secure=secure, path="/")
    if seen.lang_from_query:
        response.set_cookie(
            LANG_COOKIE, seen.lang, max_age=365 * 86400, samesite="lax", secure=secure, path="/"
        )


def start_session(response: Response, token: str, secure: bool) -> None:
    """Set the session cookie after a successful login."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def end_session(response: Response) -> None:
    """Remove the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def client_key(request: Request) -> str:
    """The address the request came from, for rate limiting."""
    return f"ip:{request.client.host if request.client else 'onbekend'}"


def request_is_secure(request: Request) -> bool:
    """Whether the request came over HTTPS (uvicorn applies X-Forwarded-Proto from trusted proxies)."""
    return request.url.scheme == "https"


def role_of(dependency: Any) -> Role | None:
    """The role a ``require`` dependency demands (for the route audit)."""
    role = getattr(dependency, "required_role", None)
    return role if isinstance(role, Role) else None
