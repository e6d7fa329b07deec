# SPDX-License-Identifier: EUPL-1.2
"""Inloggen and uitloggen: local accounts, argon2 passwords, rate-limited, CSRF-protected.

The user name is normalised once (trimmed, lower case) and that one form is both counted by
the limiter and checked. Logging out ends every session of the account (its generation moves
on), so a copied cookie is worthless afterwards.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from veiligstad.domain.accounts import User, normalise_username
from veiligstad.errors import WarehouseError
from veiligstad.services import accounts, warehouses
from veiligstad.web import auth, errors
from veiligstad.web.pages.internal.access import warehouse_problem
from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_target(target: str | None) -> str:
    """Only local paths: a login link must not send anyone to another site.

    >>> safe_target("/intern/waarden"), safe_target("//evil.example"), safe_target("https://x")
    ('/intern/waarden', '/intern/', '/intern/')
    """
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/intern/"


def _known_accounts(request: Request) -> list[User]:
    """Accounts read fresh, so a just-added user can log in; the snapshot's while a load runs."""
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            return accounts.users(warehouse)
    except WarehouseError:
        return list(request.app.state.cache.get().accounts.values())


@router.get("/inloggen")
def login_form(request: Request, volgende: str = "/intern/") -> Response:
    """The login form."""
    return render(request, "login.html", title="Inloggen", target=safe_target(volgende), failed=False)


@router.post("/inloggen", dependencies=[Depends(auth.csrf_protected)])
def login(
    request: Request,
    gebruikersnaam: Annotated[str, Form(max_length=64)] = "",
    wachtwoord: Annotated[str, Form(max_length=1024)] = "",
    volgende: Annotated[str, Form(max_length=2048)] = "/intern/",
) -> Response:
    """Check the password; on success start a session and go where the visitor was heading."""
    limiter: auth.LoginLimiter = request.app.state.limiter
    name, address = normalise_username(gebruikersnaam), auth.client_key(request)
    limiter.check(name, address)
    user = accounts.authenticate(_known_accounts(request), name, wachtwoord)
    if user is None:
        limiter.failed(name, address)
        return render(
            request,
            "login.html",
            title="Inloggen",
            status_code=401,
            target=safe_target(volgende),
            failed=True,
        )
    limiter.succeeded(name, address)
    response = RedirectResponse(safe_target(volgende), status_code=303)
    auth.start_session(response, request.app.state.sessions.issue(user), auth.request_is_secure(request))
    return response


@router.post("/uitloggen", dependencies=[Depends(auth.csrf_protected)])
def logout(request: Request) -> Response:
    """End the session here and every other session of the account (a copied cookie too)."""
    seen = auth.viewer(request)
    response: Response = RedirectResponse("/programma", status_code=303)
    if seen.user is not None:
        try:
            with warehouses.opened(request.app.state.cache.url) as warehouse:
                generation = accounts.end_sessions(warehouse, seen.user.username)
        except WarehouseError as exc:
            message, hint = warehouse_problem(exc)
            response = errors.page(
                request,
                503,
                f"Je bent in deze browser uitgelogd, maar de sessie kon op de server niet worden "
                f"beëindigd. {message}",
                "Log opnieuw in en weer uit zodra het warehouse vrij is. " + hint,
            )
        else:
            if generation is not None:
                request.app.state.sessions.note(seen.user.username, generation)
    auth.end_session(response)
    return response
