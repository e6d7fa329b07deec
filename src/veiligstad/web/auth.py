# SPDX-License-Identifier: EUPL-1.2
"""Who is looking: signed session cookies, roles, form tokens (CSRF) and login rate limiting.

- The session cookie holds only the user name and the account's session generation, signed
  with the secret key (itsdangerous) and valid for ``SESSION_SECONDS``; HttpOnly,
  SameSite=Lax, Secure when the request came over HTTPS. A cookie counts only while its
  generation is the account's current one: logout, a new password and a new role move the
  generation on (``services.accounts``), so a copied cookie stops working at once in this
  process and within the snapshot check (two seconds) in every other. The role is looked up
  in the current accounts on every request, so removing an account or lowering its role
  takes effect at once.
- Every form carries a token that must equal the one in the ``veiligstad_csrf`` cookie
  (double submit; the cookie is SameSite=Strict). ``csrf_protected`` checks it.
- ``LoginLimiter``: user names are normalised (trimmed, lower case) before they are counted.
  Failures of one (name, address) pair earn an exponentially growing wait after
  ``FREE_FAILURES`` (1 s, 2 s, 4 s … at most ``MAX_DELAY``); a success of that pair clears
  only that pair. Besides, one address may fail at most ``ADDRESS_CEILING`` times per
  ``ADDRESS_WINDOW`` (a moving window), whatever the names and whatever succeeds in between.
  So guessing from one address is capped at 30 passwords an hour, while the real user at
  another address is never locked out by someone guessing their name.
"""

from __future__ import annotations

import ipaddress
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Form, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from veiligstad.domain.accounts import Role, User, normalise_username
from veiligstad.errors import AccessDenied, BadRequest, LoginRequired, TooManyAttempts
from veiligstad.web import i18n

SESSION_COOKIE = "veiligstad_sessie"
CSRF_COOKIE = "veiligstad_csrf"
LANG_COOKIE = "veiligstad_taal"
SESSION_SECONDS = 8 * 3600
#: Failures of one (name, address) pair before the waiting starts.
FREE_FAILURES = 3
#: Longest wait of one pair, in seconds.
MAX_DELAY = 15 * 60
#: A pair's failures are forgotten after this long without a new one.
PAIR_MEMORY = 3600
#: Failures one address may make per ``ADDRESS_WINDOW`` seconds (moving window).
ADDRESS_CEILING = 30
ADDRESS_WINDOW = 3600
#: Most (name, address) pairs and addresses remembered; the oldest are forgotten first.
MAX_TRACKED = 100_000


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
    """Signs and reads session cookies; knows the newest generation this process has seen."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="veiligstad-sessie")
        self._newest: dict[str, int] = {}
        self._lock = threading.Lock()

    def issue(self, user: User) -> str:
        """A new session token for this account and its current generation."""
        self.note(user.username, user.session_generation)
        return self._serializer.dumps({"u": user.username, "g": user.session_generation})

    def read(self, token: str | None) -> tuple[str, int] | None:
        """The user name and generation in a valid, unexpired token; None otherwise."""
        if not token:
            return None
        try:
            data = self._serializer.loads(token, max_age=SESSION_SECONDS)
        except BadSignature:  # also covers expired signatures
            return None
        if not isinstance(data, dict):
            return None
        name, generation = data.get("u"), data.get("g")
        if not isinstance(name, str) or not isinstance(generation, int):
            return None  # cookies from before generations existed: log in again
        return name, generation

    def note(self, username: str, generation: int) -> None:
        """Remember a generation just written or read fresh (generations only grow)."""
        with self._lock:
            if generation > self._newest.get(username, -1):
                self._newest[username] = generation

    def current(self, user: User) -> int:
        """The account's generation: the snapshot's, or a newer one this process wrote."""
        return max(user.session_generation, self._newest.get(user.username, -1))


@dataclass
class _Pair:
    failures: int = 0
    last: float = 0.0
    until: float = 0.0


@dataclass
class LoginLimiter:
    """Failed logins: back-off per (name, address) pair, a ceiling per address."""

    free_failures: int = FREE_FAILURES
    max_delay: float = MAX_DELAY
    pair_memory: float = PAIR_MEMORY
    address_ceiling: int = ADDRESS_CEILING
    address_window: float = ADDRESS_WINDOW
    max_tracked: int = MAX_TRACKED
    clock: Callable[[], float] = time.monotonic
    _pairs: OrderedDict[tuple[str, str], _Pair] = field(default_factory=OrderedDict, repr=False)
    _addresses: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _forget_old(self, now: float) -> None:
        while self._pairs:
            key, pair = next(iter(self._pairs.items()))
            if now - pair.last <= self.pair_memory and len(self._pairs) <= self.max_tracked:
                break
            del self._pairs[key]
        while self._addresses:
            address, times = next(iter(self._addresses.items()))
            if times and now - times[-1] <= self.address_window and len(self._addresses) <= self.max_tracked:
                break
            del self._addresses[address]

    def wait(self, name: str, address: str) -> float:
        """Seconds before this name may be tried from this address again (0: now)."""
        name = normalise_username(name)
        now = self.clock()
        with self._lock:
            self._forget_old(now)
            waits = [0.0]
            pair = self._pairs.get((name, address))
            if pair is not None:
                waits.append(pair.until - now)
            times = self._addresses.get(address)
            if times is not None:
                while times and now - times[0] >= self.address_window:
                    times.popleft()
                if len(times) >= self.address_ceiling:
                    waits.append(times[0] + self.address_window - now)
            return max(waits)

    def check(self, name: str, address: str) -> None:
        """Raise ``TooManyAttempts`` when this name may not be tried from this address yet."""
        wait = self.wait(name, address)
        if wait > 0:
            seconds = int(wait) + 1
            when = f"{seconds} seconden" if seconds < 120 else f"{seconds // 60 + 1} minuten"
            refused = TooManyAttempts(f"Te veel mislukte pogingen. Probeer het over {when} opnieuw.", seconds)
            refused.hint = "Weet je je wachtwoord niet meer? Vraag een beheerder om een nieuw wachtwoord."
            raise refused

    def failed(self, name: str, address: str) -> None:
        """Record one failure of this name from this address."""
        name = normalise_username(name)
        now = self.clock()
        with self._lock:
            pair = self._pairs.pop((name, address), None) or _Pair()
            if now - pair.last > self.pair_memory:
                pair.failures = 0
            pair.failures += 1
            pair.last = now
            over = pair.failures - self.free_failures
            if over >= 0:
                pair.until = now + min(self.max_delay, 2.0**over)
            self._pairs[(name, address)] = pair
            times = self._addresses.pop(address, None) or deque()
            times.append(now)
            while len(times) > self.address_ceiling:
                times.popleft()
            self._addresses[address] = times
            self._forget_old(now)

    def succeeded(self, name: str, address: str) -> None:
        """Forget the failures of this pair only (the address keeps its count)."""
        with self._lock:
            self._pairs.pop((normalise_username(name), address), None)


def viewer(request: Request) -> Viewer:
    """Dependency: the viewer of this request (cached on the request)."""
    cached = getattr(request.state, "viewer", None)
    if isinstance(cached, Viewer):
        return cached
    app_state = request.app.state
    sessions: Sessions = app_state.sessions
    user: User | None = None
    found = sessions.read(request.cookies.get(SESSION_COOKIE))
    if found is not None:
        name, generation = found
        user = app_state.cache.get().accounts.get(name)
        if user is not None and (user.disabled or generation != sessions.current(user)):
            user = None  # removed, disabled, or a session that was ended
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
    """The address the request came from, for rate limiting; IPv6 by /64 (one connection's share).

    An IPv6 user gets a whole /64, so counting single addresses would count nothing.
    """
    host = request.client.host if request.client else "onbekend"
    return address_key(host)


def address_key(host: str) -> str:
    """The rate-limit key of an address.

    >>> address_key("192.0.2.7"), address_key("2001:db8:1:2:3:4:5:6"), address_key("testclient")
    ('ip:192.0.2.7', 'ip:2001:db8:1:2::/64', 'ip:testclient')
    """
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return f"ip:{host}"
    if parsed.version == 6:
        return f"ip:{ipaddress.ip_network(f'{host}/64', strict=False)}"
    return f"ip:{parsed}"


def request_is_secure(request: Request) -> bool:
    """Whether the request came over HTTPS (uvicorn applies X-Forwarded-Proto from trusted proxies)."""
    return request.url.scheme == "https"


def role_of(dependency: Any) -> Role | None:
    """The role a ``require`` dependency demands (for the route audit)."""
    role = getattr(dependency, "required_role", None)
    return role if isinstance(role, Role) else None
