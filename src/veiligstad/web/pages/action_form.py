# SPDX-License-Identifier: EUPL-1.2
"""The action form: form fields to an ``Action`` and back, and Dutch error lines per field.

Shared by the internal action pages and the yearly evaluation page. The form keeps what was
typed, so after a problem the person sees their input again with every problem listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from veiligstad.domain.actions import Action, EvaluationMethod
from veiligstad.errors import Problem
from veiligstad.services import action_files
from veiligstad.services import actions as action_service
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import errors

BUSY = "Het warehouse is bezet; probeer het zo opnieuw."
#: Field names of the action model, in Dutch, for error messages.
FIELD_LABELS = {
    "id": "Id",
    "year": "Jaar",
    "title": "Titel",
    "description": "Omschrijving",
    "themes": "Thema's",
    "goals": "Doelen",
    "indicators": "Indicatoren",
    "areas": "Gebieden",
    "lead": "Trekker",
    "partners": "Partners",
    "planned_start": "Start gepland",
    "planned_end": "Einde gepland",
    "status": "Status",
    "budget_line": "Begrotingspost",
    "confidentiality": "Openbaarheid",
    "evaluation": "Evaluatie",
    "progress": "Voortgang",
}
LIST_FIELDS = ("themas", "indicatoren", "gebieden")
TEXT_FIELDS = (
    "id",
    "jaar",
    "titel",
    "omschrijving",
    "doelen",
    "trekker",
    "partners",
    "start",
    "einde",
    "status",
    "begrotingspost",
    "openbaarheid",
    "methode",
    "resultaat",
    "conclusie",
    "vervolg",
    "versie",
)


def today() -> dt.date:
    """Today in the Netherlands (the default date of a new progress note)."""
    return dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()


async def submitted(request: Request) -> FormData:
    """Dependency: the posted form (already read and cached by the form-token check)."""
    return await request.form()


Submitted = Annotated[FormData, Depends(submitted)]


def busy_page(request: Request) -> Response:
    """The error page for a warehouse another process is writing."""
    return errors.page(request, 503, BUSY, "Wacht even en probeer het opnieuw.")


def _lines(items: list[str]) -> str:
    return "\n".join(items)


def form_values(action: Action | None, year: int) -> dict[str, Any]:
    """What the edit form shows: the stored action, or an empty one for ``year``."""
    if action is None:
        empty: dict[str, Any] = dict.fromkeys(TEXT_FIELDS, "") | {name: [] for name in LIST_FIELDS}
        return empty | {"jaar": str(year), "status": "gepland", "openbaarheid": "openbaar"}
    evaluation = action.evaluation
    return {
        "id": action.id,
        "jaar": str(action.year),
        "titel": action.title,
        "omschrijving": action.description,
        "themas": list(action.themes),
        "doelen": _lines(action.goals),
        "indicatoren": list(action.indicators),
        "gebieden": list(action.areas),
        "trekker": action.lead,
        "partners": _lines(action.partners),
        "start": action.planned_start.isoformat() if action.planned_start else "",
        "einde": action.planned_end.isoformat() if action.planned_end else "",
        "status": action.status.value,
        "begrotingspost": action.budget_line,
        "openbaarheid": action.confidentiality.value,
        "methode": evaluation.method.value if evaluation else "",
        "resultaat": evaluation.result if evaluation else "",
        "conclusie": evaluation.conclusion if evaluation else "",
        "vervolg": evaluation.follow_up if evaluation else "",
        "versie": action_service.version(action),
    }


def posted_values(form: FormData) -> dict[str, Any]:
    """The submitted form as the edit form shows it (to show it again after a problem)."""
    values: dict[str, Any] = {name: str(form.get(name, "") or "").strip() for name in TEXT_FIELDS}
    values |= {name: [str(v) for v in form.getlist(name)] for name in LIST_FIELDS}
    return values


def _split(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def action_data(values: Mapping[str, Any], existing: Action | None) -> dict[str, Any]:
    """The action fields (model names) from the form values; progress is kept from ``existing``."""
    year: Any = values["jaar"]
    data: dict[str, Any] = {
        "id": existing.id if existing else values["id"].lower(),
        "year": int(year) if year.isdigit() else year,
        "title": values["titel"],
        "description": values["omschrijving"],
        "themes": values["themas"],
        "goals": _split(values["doelen"]),
        "indicators": values["indicatoren"],
        "areas": values["gebieden"],
        "lead": values["trekker"],
        "partners": _split(values["partners"]),
        "planned_start": values["start"] or None,
        "planned_end": values["einde"] or None,
        "status": values["status"],
        "budget_line": values["begrotingspost"],
        "confidentiality": values["openbaarheid"],
        "progress": [note.model_dump() for note in existing.progress] if existing else [],
    }
    if values["methode"] or values["resultaat"] or values["conclusie"] or values["vervolg"]:
        data["evaluation"] = {
            "method": values["methode"],
            "result": values["resultaat"],
            "conclusion": values["conclusie"],
            "follow_up": values["vervolg"],
        }
    return data


def _field(location: str) -> str:
    """``formulier: evaluation.method`` → ``Evaluatie (method)``; ``themes`` → ``Thema's``."""
    path = location.split(": ", 1)[1] if ": " in location else ""
    head, _, rest = path.partition(".")
    label = FIELD_LABELS.get(head.split("[")[0], head)
    return f"{label} ({rest})" if rest else label


def error_lines(problems: list[Problem]) -> list[str]:
    """Problems as Dutch lines for the form: field, message and fix."""
    return [
        f"{_field(p.location)}: {p.message}" + (f" — {p.fix}" if p.fix else "")
        if ": " in p.location
        else p.message
        for p in problems
    ]


def checked_action(
    values: Mapping[str, Any], existing: Action | None, snapshot: Snapshot, areas: Mapping[str, str]
) -> tuple[Action | None, list[str]]:
    """The action from the form, or every problem with it (structure and references)."""
    data = action_data(values, existing)
    problems = action_service.reference_problems(data, "formulier", snapshot.definitions, areas)
    if data["year"] == "" or (isinstance(data["year"], str) and not data["year"].isdigit()):
        problems.append(Problem("year", "formulier: year", "vul een jaartal in", "bijvoorbeeld 2025"))
        data["year"] = 0  # reported above; keeps the other checks going
    if "evaluation" in data and not data["evaluation"]["method"]:
        problems.append(
            Problem(
                "method",
                "formulier: evaluation",
                "kies een evaluatiemethode",
                "of maak de evaluatievelden leeg",
            )
        )
        data["evaluation"]["method"] = EvaluationMethod.PROCESEVALUATIE.value  # reported above
    try:
        action = Action.model_validate(data)
    except ValidationError as exc:
        problems += [
            p for p in action_files.validation_problems(exc, "formulier") if p.location != "formulier: year"
        ]
        return None, error_lines(problems)
    return (None, error_lines(problems)) if problems else (action, [])
