# SPDX-License-Identifier: EUPL-1.2
"""Intern: local accounts — add, replace and remove (beheerder; never one's own).

Replacing an account (new password or role) and removing it end its sessions at once.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from veiligstad.domain.accounts import MIN_PASSWORD_LENGTH, Role, User, normalise_username
from veiligstad.errors import ConfigError, NotFound, WarehouseError
from veiligstad.services import accounts, warehouses
from veiligstad.web import auth
from veiligstad.web.pages.internal.access import (
    Beheerder,
    beheerder,
    warehouse_problem,
)
from veiligstad.web.templating import render

router = APIRouter(prefix="/intern", include_in_schema=False)


def _accounts(request: Request) -> tuple[list[User], str]:
    """Accounts read fresh; the snapshot's (and a Dutch notice) while the warehouse is busy."""
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            return accounts.users(warehouse), ""
    except WarehouseError as exc:
        return list(request.app.state.cache.get().accounts.values()), warehouse_problem(exc)[0]


def users_page(
    request: Request,
    *,
    errors: list[str] | None = None,
    name: str = "",
    role: str = "",
    status_code: int = 200,
) -> Response:
    """The account list and the form to add or replace an account."""
    known, busy = _accounts(request)
    done = {key: request.query_params.get(key, "") for key in ("toegevoegd", "bijgewerkt", "verwijderd")}
    return render(
        request,
        "internal/users.html",
        title="Gebruikers",
        status_code=status_code,
        users=known,
        roles=list(Role),
        errors=errors or [],
        name=name,
        role=role or Role.ANALIST.value,
        done=done,
        busy=busy,
        min_password=MIN_PASSWORD_LENGTH,
    )


@router.get("/gebruikers", dependencies=[Depends(beheerder)])
def users_list(request: Request) -> Response:
    """Every account with its role."""
    return users_page(request)


def _account_errors(viewer: auth.Viewer, name: str, role: str, password: str, repeated: str) -> list[str]:
    errors = []
    if not name:
        errors.append("Vul een gebruikersnaam in.")
    if role not in {r.value for r in Role}:
        errors.append("Kies een rol.")
    elif name == viewer.username and Role(role) is not viewer.role:
        errors.append("Je kunt je eigen rol niet wijzigen; laat een andere beheerder dat doen.")
    if not password:
        errors.append("Vul een wachtwoord in.")
    elif password != repeated:
        errors.append("De twee wachtwoorden zijn niet gelijk.")
    return errors


@router.post("/gebruikers", dependencies=[Depends(beheerder), Depends(auth.csrf_protected)])
def save_user(
    request: Request,
    viewer: Beheerder,
    gebruikersnaam: Annotated[str, Form(max_length=64)] = "",
    rol: Annotated[str, Form(max_length=32)] = "",
    wachtwoord: Annotated[str, Form(max_length=1024)] = "",
    wachtwoord_herhaald: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Add an account or replace one (new role and password); the password is never shown."""
    name = normalise_username(gebruikersnaam)
    form = {"name": name, "role": rol}
    errors = _account_errors(viewer, name, rol, wachtwoord, wachtwoord_herhaald)
    if errors:
        return users_page(request, errors=errors, status_code=400, **form)
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            existed = any(u.username == name for u in accounts.users(warehouse))
            user = accounts.add_user(warehouse, name, Role(rol), wachtwoord, created_by=viewer.username or "")
    except ConfigError as exc:
        return users_page(request, errors=[f"{exc.message} {exc.hint}".strip()], status_code=400, **form)
    except WarehouseError as exc:
        return users_page(request, errors=[warehouse_problem(exc)[0]], status_code=503, **form)
    request.app.state.sessions.note(user.username, user.session_generation)  # old cookies: refused now
    done = "bijgewerkt" if existed else "toegevoegd"
    return RedirectResponse(f"/intern/gebruikers?{urlencode({done: name})}", status_code=303)


@router.post(
    "/gebruikers/{username}/verwijderen", dependencies=[Depends(beheerder), Depends(auth.csrf_protected)]
)
def delete_user(request: Request, viewer: Beheerder, username: str) -> Response:
    """Remove an account; never one's own. Its sessions end at once."""
    username = normalise_username(username)
    if username == viewer.username:
        error = "Je kunt je eigen account niet verwijderen; laat een andere beheerder dat doen."
        return users_page(request, errors=[error], status_code=400)
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            accounts.remove_user(warehouse, username)
    except NotFound:
        return users_page(request, errors=[f"Er is geen account '{username}'."], status_code=404)
    except WarehouseError as exc:
        return users_page(request, errors=[warehouse_problem(exc)[0]], status_code=503)
    # until the snapshot has caught up, no cookie of the removed account is current
    request.app.state.sessions.note(username, accounts.next_generation(0))
    return RedirectResponse(f"/intern/gebruikers?{urlencode({'verwijderd': username})}", status_code=303)
