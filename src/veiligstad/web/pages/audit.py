# SPDX-License-Identifier: EUPL-1.2
"""Intern (beheerder): the audit trail of the action programme and the yearly evaluations.

Who changed what and when; the page shows the changed fields before → after, the download
holds each record whole before and after the change (JSON).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from veiligstad.domain.accounts import Role
from veiligstad.domain.actions import CHANGE_LABELS, AuditEntry, Entity
from veiligstad.errors import WarehouseError
from veiligstad.services import actions as action_service
from veiligstad.services import warehouses
from veiligstad.web import auth
from veiligstad.web.pages.action_form import BUSY
from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)

_beheerder = auth.require(Role.BEHEERDER)

#: Audit entries shown on the page; the download has them all.
MAX_AUDIT_ROWS = 500


def _short(value: Any, limit: int = 160) -> str:
    text = "–" if value in (None, "", []) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def audit_rows(entries: list[AuditEntry], known: set[str]) -> list[dict[str, Any]]:
    """What the audit page shows per entry: when, who, what, and before → after per field."""
    rows = []
    for entry in entries:
        fields = entry.changed_fields()
        rows.append(
            {
                "entry": entry,
                "when": entry.at.astimezone(dt.UTC),
                "change": CHANGE_LABELS[entry.change],
                "link": f"/intern/acties/{entry.entity_id}"
                if entry.entity is Entity.ACTION and entry.entity_id in known
                else (f"/intern/evaluatie/{entry.entity_id}" if entry.entity is Entity.EVALUATION else ""),
                "details": [
                    (name, _short((entry.before or {}).get(name)), _short((entry.after or {}).get(name)))
                    for name in fields
                ],
            }
        )
    return rows


@router.get("/intern/audit", dependencies=[Depends(_beheerder)])
def audit_page(request: Request) -> Response:
    """Every change to actions and evaluations: who, when, what; before and after in the download."""
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            entries = action_service.audit_trail(warehouse)
            known = {a.id for a in action_service.list_actions(warehouse)}
        busy = ""
    except WarehouseError:
        entries, known, busy = [], set(), BUSY
    return render(
        request,
        "actions/audit.html",
        title="Audit trail",
        stem="audit-trail",
        tables={"audit": lambda: action_service.audit_frame(entries)},
        rows=audit_rows(entries[:MAX_AUDIT_ROWS], known),
        total=len(entries),
        max_rows=MAX_AUDIT_ROWS,
        entity_labels={Entity.ACTION: "actie", Entity.EVALUATION: "jaarevaluatie"},
        busy=busy,
    )
