# SPDX-License-Identifier: EUPL-1.2
"""Intern: keep the uitvoeringsprogramma — list, add, edit and delete actions, add progress
and record an action's evaluation.

Every form carries the form token (``auth.csrf_protected``) and needs the role analist or
higher. Writes go through ``services.actions`` on a short-lived connection; each change is
saved together with its audit entry (who, when, before, after). An edit form sends back the
version of the action it showed, so two people editing the same action cannot silently
overwrite each other's work.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from veiligstad.domain.accounts import Role
from veiligstad.domain.actions import (
    CHANGE_LABELS,
    METHOD_LABELS,
    Action,
    ActionStatus,
    AuditEntry,
    Entity,
    ProgressNote,
)
from veiligstad.domain.documents import Confidentiality
from veiligstad.errors import WarehouseError
from veiligstad.services import action_files, warehouses
from veiligstad.services import actions as action_service
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import auth
from veiligstad.web.pages.action_form import (
    BUSY,
    Submitted,
    busy_page,
    checked_action,
    error_lines,
    form_values,
    posted_values,
    today,
)
from veiligstad.web.pages.actions import read_actions
from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)

_analist = auth.require(Role.ANALIST)
Analist = Annotated[auth.Viewer, Depends(_analist)]
FORM_POST = [Depends(_analist), Depends(auth.csrf_protected)]


def _stored(request: Request) -> tuple[list[Action], str]:
    """Every action as the warehouse holds it now: read once per warehouse state (the snapshot's
    memo; every saved change writes an audit entry, so a new state), after asking the snapshot
    cache to check the warehouse now, so a change saved by any worker shows at once. An empty
    list and a Dutch notice while the warehouse is busy.

    Only for showing: a save checks the version of the action in the warehouse itself
    (``_existing`` and ``save_action``), never this list."""
    try:
        snapshot: Snapshot = request.app.state.cache.get(fresh=True)
        return read_actions(request, snapshot), ""
    except WarehouseError:
        return [], BUSY


@router.get("/intern/acties", dependencies=[Depends(_analist)])
def actions_list(request: Request) -> Response:
    """Every action (also internal ones), with links to edit, add and export."""
    found, busy = _stored(request)
    done = {key: request.query_params.get(key, "") for key in ("verwijderd",)}
    return render(
        request,
        "actions/internal_list.html",
        title="Acties beheren",
        stem="acties-intern",
        tables={"acties": lambda: action_service.actions_frame(found)},
        actions=found,
        years=action_service.years(found),
        this_year=today().year,
        busy=busy,
        done=done,
    )


@router.get("/intern/acties.yaml", dependencies=[Depends(_analist)])
def actions_yaml(request: Request) -> Response:
    """All actions as the YAML file that ``veiligstad actions import`` reads (for version control)."""
    found, busy = _stored(request)
    if busy:
        return Response(BUSY, status_code=503, media_type="text/plain; charset=utf-8")
    return Response(
        action_files.actions_yaml(found),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="uitvoeringsprogramma.yaml"'},
    )


def _area_choices(snapshot: Snapshot) -> list[tuple[str, list[dict[str, str]]]]:
    own = snapshot.own_areas()
    groups = []
    for level, label in (
        ("gemeente", "Gemeente"),
        ("stadsdeel", "Stadsdelen"),
        ("wijk", "Wijken"),
        ("buurt", "Buurten"),
    ):
        rows = own[own["level"] == level]
        groups.append(
            (
                label,
                [
                    {"code": str(c), "name": str(n or c)}
                    for c, n in zip(rows["code"], rows["name"], strict=True)
                ],
            )
        )
    return [(label, rows) for label, rows in groups if rows]


def edit_page(
    request: Request,
    *,
    values: dict[str, Any],
    action: Action | None,
    history: list[AuditEntry] | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    """The form for a new or an existing action."""
    snapshot: Snapshot = request.app.state.cache.get()
    return render(
        request,
        "actions/form.html",
        title=action.title if action else "Nieuwe actie",
        status_code=status_code,
        values=values,
        action=action,
        history=history or [],
        errors=errors or [],
        themes=snapshot.definitions.programme.themes,
        indicators=snapshot.definitions.indicators(),
        area_choices=_area_choices(snapshot),
        statuses=[s.value for s in ActionStatus],
        levels=[c.value for c in Confidentiality],
        methods=[(m.value, label) for m, label in METHOD_LABELS.items()],
        change_labels={c.value: label for c, label in CHANGE_LABELS.items()},
        saved=request.query_params.get("opgeslagen", ""),
        today=today().isoformat(),
    )


@router.get("/intern/acties/nieuw", dependencies=[Depends(_analist)])
def new_action_form(request: Request, jaar: int | None = None) -> Response:
    """An empty form (for this year unless ``?jaar=`` says otherwise)."""
    return edit_page(request, values=form_values(None, jaar or today().year), action=None)


def _save(request: Request, viewer: auth.Viewer, values: dict[str, Any], existing: Action | None) -> Response:
    snapshot: Snapshot = request.app.state.cache.get()

    def again(errors: list[str], status_code: int) -> Response:
        return edit_page(request, values=values, action=existing, errors=errors, status_code=status_code)

    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            areas = action_service.area_register(warehouse, values["gebieden"])
            action, errors = checked_action(values, existing, snapshot, areas)
            if action is None:
                return again(errors, 400)
            saved = action_service.save_action(
                warehouse,
                action,
                snapshot.definitions,
                user=viewer.username or "",
                expected_version=values["versie"] if existing else None,
                create_only=existing is None,
                note="dashboard",
            )
    except action_service.Conflict as exc:
        return again([f"{exc.message} {exc.hint}"], 409)
    except action_service.ActionsError as exc:
        return again(error_lines(list(exc.problems)) or [exc.message], 400)
    except WarehouseError:
        return again([BUSY], 503)
    state = "ongewijzigd" if saved.change is None else "ja"
    return RedirectResponse(
        f"/intern/acties/{saved.action.id}?{urlencode({'opgeslagen': state})}", status_code=303
    )


@router.post("/intern/acties/nieuw", dependencies=FORM_POST)
def create_action(request: Request, viewer: Analist, form: Submitted) -> Response:
    """Add an action; its id is made from year and title unless one is given."""
    return _save(request, viewer, posted_values(form), None)


def _existing(request: Request, action_id: str) -> tuple[Action, list[AuditEntry]]:
    """The stored action and its history; ``NotFound`` for an unknown id."""
    with warehouses.opened(request.app.state.cache.url) as warehouse:
        action = action_service.get_action(warehouse, action_id)
        return action, action_service.audit_trail(warehouse, Entity.ACTION, action_id)


@router.get("/intern/acties/{action_id}", dependencies=[Depends(_analist)])
def edit_action_form(request: Request, action_id: str) -> Response:
    """The form with every field of the action, its progress notes and its history."""
    try:
        action, history = _existing(request, action_id)
    except WarehouseError:
        return busy_page(request)
    return edit_page(request, values=form_values(action, action.year), action=action, history=history)


@router.post("/intern/acties/{action_id}", dependencies=FORM_POST)
def update_action(request: Request, viewer: Analist, action_id: str, form: Submitted) -> Response:
    """Save the edited action, unless someone else changed it since the form was opened."""
    try:
        existing, _ = _existing(request, action_id)
    except WarehouseError:
        return busy_page(request)
    return _save(request, viewer, posted_values(form), existing)


@router.post("/intern/acties/{action_id}/voortgang", dependencies=FORM_POST)
def add_progress(request: Request, viewer: Analist, action_id: str, form: Submitted) -> Response:
    """Add a dated progress note (the author is the logged-in account)."""
    try:
        existing, history = _existing(request, action_id)
    except WarehouseError:
        return busy_page(request)
    text, day = str(form.get("tekst", "")).strip(), str(form.get("datum", "")).strip()
    try:
        note = ProgressNote.model_validate({"date": day, "text": text, "author": viewer.username or ""})
    except ValidationError as exc:
        errors = error_lines(action_files.validation_problems(exc, "voortgang"))
        values = form_values(existing, existing.year)
        return edit_page(
            request, values=values, action=existing, history=history, errors=errors, status_code=400
        )
    snapshot: Snapshot = request.app.state.cache.get()
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            action_service.add_progress(
                warehouse, action_id, note, snapshot.definitions, user=viewer.username or ""
            )
    except WarehouseError:
        return busy_page(request)
    return RedirectResponse(f"/intern/acties/{action_id}?opgeslagen=voortgang#voortgang", status_code=303)


@router.post("/intern/acties/{action_id}/verwijderen", dependencies=FORM_POST)
def delete_action(request: Request, viewer: Analist, action_id: str) -> Response:
    """Delete an action; the audit trail keeps it as it was."""
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            action_service.delete_action(warehouse, action_id, user=viewer.username or "", note="dashboard")
    except WarehouseError:
        return busy_page(request)
    return RedirectResponse(f"/intern/acties?{urlencode({'verwijderd': action_id})}", status_code=303)
