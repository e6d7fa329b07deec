# SPDX-License-Identifier: EUPL-1.2
"""The yearly uitvoeringsprogramma: list, read, save and delete actions, with an audit trail.

Every save checks the action against the programme in use: theme ids, indicator ids (the
catalogue and the programme's own definitions) and area codes (known to the warehouse and
inside the programme's gemeente). Problems name the field and the fix; nothing is written
while any problem remains. Each change is written together with its audit entry (who, when,
before and after) in one transaction (``storage.actions.write``).

YAML import and export (for version control) live in ``services.action_files``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.actions import Action, AuditEntry, Change, Entity, ProgressNote
from veiligstad.errors import DataError, NotFound, Problem
from veiligstad.storage import actions as store
from veiligstad.storage.warehouse import Warehouse

#: Columns of the actions table (download, CLI JSON).
ACTION_COLUMNS = [
    "id",
    "jaar",
    "titel",
    "status",
    "themas",
    "doelen",
    "indicatoren",
    "gebieden",
    "trekker",
    "partners",
    "start_gepland",
    "einde_gepland",
    "begrotingspost",
    "openbaarheid",
    "laatste_voortgang",
    "evaluatiemethode",
    "evaluatieconclusie",
]
AUDIT_COLUMNS = [
    "tijdstip_utc",
    "gebruiker",
    "soort",
    "id",
    "wijziging",
    "velden",
    "toelichting",
    "voor",
    "na",
]


class ActionsError(DataError):
    """Actions with problems; carries every problem found. Nothing was saved."""

    def __init__(self, message: str, problems: Sequence[Problem], hint: str = "") -> None:
        super().__init__(message, hint=hint or "Herstel de gegevens en probeer het opnieuw.")
        self.problems = tuple(problems)


class Conflict(DataError):
    """The action changed since the form was opened; saving would overwrite someone's work."""


@dataclass(frozen=True)
class Saved:
    """What a save did: ``create``, ``update`` or nothing (unchanged)."""

    action: Action
    change: Change | None


def now_utc() -> dt.datetime:
    """The current moment in UTC (the audit trail's clock)."""
    return dt.datetime.now(dt.UTC)


def revised(action: Action, **changes: Any) -> Action:
    """A copy of the action with some fields changed, validated like a new one."""
    return Action.model_validate({**action.model_dump(), **changes})


def version(action: Action) -> str:
    """A short fingerprint of the stored action; a form sends it back to detect a concurrent edit."""
    return hashlib.sha256(action.model_dump_json().encode("utf-8")).hexdigest()[:16]


def area_register(warehouse: Warehouse, codes: Iterable[str] | None = None) -> dict[str, str]:
    """Known area codes (all, or those of ``codes``) with the code of their gemeente (a
    gemeente maps to itself)."""
    areas = warehouse.areas()
    if codes is not None:
        wanted = sorted({code.strip().upper() for code in codes})
        if not wanted:
            return {}
        areas = areas.filter(areas.code.isin(wanted))
    frame = areas.select("code", "level", "gemeente_code").to_pandas()
    return {
        str(code): str(code) if level == "gemeente" else str(gemeente or "")
        for code, level, gemeente in zip(frame["code"], frame["level"], frame["gemeente_code"], strict=True)
    }


def reference_problems(
    action: Mapping[str, Any], where: str, definitions: Definitions, areas: Mapping[str, str]
) -> list[Problem]:
    """Theme ids, indicator ids and area codes that the programme or the warehouse does not know.

    ``action`` is the raw mapping (from YAML or a form), so these problems are found even
    when other fields are invalid.
    """
    programme = definitions.programme
    theme_ids = [t.id for t in programme.themes]
    indicator_ids = [i.id for i in definitions.indicators()]
    problems = [
        Problem(
            "unknown-theme",
            f"{where}: themes",
            f"onbekend thema '{theme}' in programma {programme.id}",
            f"kies uit: {', '.join(theme_ids)}",
        )
        for theme in _texts(action.get("themes"))
        if theme not in theme_ids
    ]
    problems += [
        Problem(
            "unknown-indicator",
            f"{where}: indicators",
            f"onbekende indicator '{indicator}'",
            f"kies uit: {', '.join(indicator_ids)}",
        )
        for indicator in _texts(action.get("indicators"))
        if indicator not in indicator_ids
    ]
    for code in (c.upper() for c in _texts(action.get("areas"))):
        if code not in areas:
            problems.append(
                Problem(
                    "unknown-area",
                    f"{where}: areas",
                    f"onbekende gebiedscode '{code}'",
                    "gebruik een code uit `veiligstad areas` (bijv. GM0935, WK093500, BU09350000)",
                )
            )
        elif areas[code] != programme.municipality:
            problems.append(
                Problem(
                    "area-outside-municipality",
                    f"{where}: areas",
                    f"gebied '{code}' ligt niet in {programme.municipality_name} ({programme.municipality})",
                    "noem alleen gebieden van de eigen gemeente; laat areas leeg voor de hele gemeente",
                )
            )
    return problems


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else []


def check(action: Action, definitions: Definitions, areas: Mapping[str, str], where: str = "") -> None:
    """Raise ``ActionsError`` when the action refers to unknown themes, indicators or areas."""
    label = where or f"actie {action.id}"
    problems = reference_problems(action.model_dump(mode="json"), label, definitions, areas)
    if problems:
        raise ActionsError(f"{label}: {len(problems)} probleem/problemen; niets opgeslagen.", problems)


# --------------------------------------------------------------------------- reading


def list_actions(
    warehouse: Warehouse,
    *,
    year: int | None = None,
    theme: str | None = None,
    indicator: str | None = None,
    areas: Iterable[str] | None = None,
    public_only: bool = False,
) -> list[Action]:
    """Stored actions, newest year first, filtered as ``select`` does."""
    found = store.load_actions(warehouse)
    return select(found, year=year, theme=theme, indicator=indicator, areas=areas, public_only=public_only)


def select(
    actions: Sequence[Action],
    *,
    year: int | None = None,
    theme: str | None = None,
    indicator: str | None = None,
    areas: Iterable[str] | None = None,
    public_only: bool = False,
) -> list[Action]:
    """The actions of a year, on a theme, meant to move an indicator, working in any of
    ``areas`` (see ``related_areas``), and/or public (``confidentiality: openbaar``)."""
    wanted = None if areas is None else set(areas)
    return [
        action
        for action in actions
        if (year is None or action.year == year)
        and (theme is None or theme in action.themes)
        and (indicator is None or indicator in action.indicators)
        and (wanted is None or bool(wanted & set(action.areas)))
        and (not public_only or action.is_public)
    ]


def related_areas(areas: pd.DataFrame, code: str) -> set[str]:
    """The area, every area inside it, and the stadsdeel and wijk it lies in.

    An action in a wijk also works in that wijk's buurten, and a buurt is part of the wijk
    and stadsdeel actions of its neighbourhood. Gemeente-wide actions (no areas, or the
    gemeente code) are only found for the gemeente itself. ``areas`` is the area register
    (code, level, wijk_code, stadsdeel_code, gemeente_code).
    """
    code = code.strip().upper()
    inside = areas[
        (areas["code"] == code)
        | (areas["gemeente_code"] == code)
        | (areas["stadsdeel_code"] == code)
        | (areas["wijk_code"] == code)
    ]
    found = {code, *map(str, inside["code"])}
    own = areas[areas["code"] == code]
    if not own.empty:
        row = own.iloc[0]
        found |= {str(row[c]) for c in ("wijk_code", "stadsdeel_code") if isinstance(row[c], str) and row[c]}
    return found


def get_action(warehouse: Warehouse, action_id: str) -> Action:
    """One action, or ``NotFound`` with a hint."""
    action = store.load_action(warehouse, action_id)
    if action is None:
        raise NotFound(
            f"Er is geen actie '{action_id}'.",
            hint="Zie `veiligstad actions list` of de pagina /acties voor de bestaande acties.",
        )
    return action


def years(actions: Sequence[Action]) -> list[int]:
    """The years that have actions, newest first."""
    return sorted({a.year for a in actions}, reverse=True)


# --------------------------------------------------------------------------- writing


def audit_entry(
    change: Change, before: Action | None, after: Action | None, user: str, at: dt.datetime, note: str = ""
) -> AuditEntry:
    """The audit entry of one change to an action, with the full record before and after."""
    subject = after or before
    assert subject is not None
    return AuditEntry(
        at=at,
        user=user,
        entity=Entity.ACTION,
        entity_id=subject.id,
        change=change,
        before=None if before is None else before.model_dump(mode="json"),
        after=None if after is None else after.model_dump(mode="json"),
        note=note,
    )


def save_action(
    warehouse: Warehouse,
    action: Action,
    definitions: Definitions,
    *,
    user: str,
    now: dt.datetime | None = None,
    expected_version: str | None = None,
    note: str = "",
    create_only: bool = False,
) -> Saved:
    """Create or replace an action (same id) after checking its references; audit the change.

    ``expected_version`` (from ``version``) refuses the save when someone else changed the
    action meanwhile; ``create_only`` refuses to overwrite an existing id. Saving an action
    that equals the stored one writes nothing.
    """
    check(action, definitions, area_register(warehouse, action.areas))
    before = store.load_action(warehouse, action.id)
    if before is not None and create_only:
        raise ActionsError(
            f"Er bestaat al een actie met id '{action.id}'.",
            [
                Problem(
                    "duplicate-id", "id", f"id '{action.id}' is al in gebruik", "kies een andere id of titel"
                )
            ],
        )
    if expected_version is not None and (before is None or version(before) != expected_version):
        raise Conflict(
            f"De actie '{action.id}' is intussen door iemand anders gewijzigd of verwijderd.",
            hint="Open de actie opnieuw, neem de wijzigingen over en sla dan op.",
        )
    if before == action:
        return Saved(action, None)
    change = Change.CREATE if before is None else Change.UPDATE
    try:
        store.write(
            warehouse,
            [audit_entry(change, before, action, user, now or now_utc(), note)],
            actions=[action],
            expected={action.id: before},  # checked in the write transaction: no lost update
        )
    except store.StaleRecord as exc:
        raise Conflict(exc.message, hint=exc.hint) from exc
    return Saved(action, change)


def delete_action(
    warehouse: Warehouse, action_id: str, *, user: str, now: dt.datetime | None = None, note: str = ""
) -> Action:
    """Delete an action; the audit entry keeps the full record as it was."""
    before = get_action(warehouse, action_id)
    entry = audit_entry(Change.DELETE, before, None, user, now or now_utc(), note)
    try:
        store.write(warehouse, [entry], deleted_actions=[action_id], expected={action_id: before})
    except store.StaleRecord as exc:
        raise Conflict(exc.message, hint=exc.hint) from exc
    return before


def add_progress(
    warehouse: Warehouse,
    action_id: str,
    note: ProgressNote,
    definitions: Definitions,
    *,
    user: str,
    now: dt.datetime | None = None,
) -> Action:
    """Add a progress note to an action (an update in the audit trail)."""
    before = get_action(warehouse, action_id)
    after = revised(before, progress=[*before.progress, note])
    return save_action(warehouse, after, definitions, user=user, now=now, note="voortgang").action


def audit_trail(
    warehouse: Warehouse, entity: Entity | None = None, entity_id: str | None = None
) -> list[AuditEntry]:
    """The audit trail, newest first; optionally of one record."""
    return store.load_audit(warehouse, entity, entity_id)


# --------------------------------------------------------------------------- tables


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def actions_frame(actions: Sequence[Action]) -> pd.DataFrame:
    """One row per action (download and JSON); lists joined with '; '."""
    rows = []
    for a in actions:
        latest = a.latest_progress
        rows.append(
            {
                "id": a.id,
                "jaar": a.year,
                "titel": a.title,
                "status": a.status.value,
                "themas": "; ".join(a.themes),
                "doelen": "; ".join(a.goals),
                "indicatoren": "; ".join(a.indicators),
                "gebieden": "; ".join(a.areas),
                "trekker": a.lead,
                "partners": "; ".join(a.partners),
                "start_gepland": _date(a.planned_start),
                "einde_gepland": _date(a.planned_end),
                "begrotingspost": a.budget_line,
                "openbaarheid": a.confidentiality.value,
                "laatste_voortgang": f"{latest.date.isoformat()}: {latest.text}" if latest else "",
                "evaluatiemethode": a.evaluation.method.value if a.evaluation else "",
                "evaluatieconclusie": a.evaluation.conclusion if a.evaluation else "",
            }
        )
    return pd.DataFrame(rows, columns=ACTION_COLUMNS)


def audit_frame(entries: Sequence[AuditEntry]) -> pd.DataFrame:
    """One row per audit entry (download): when, who, what, which fields, before and after as JSON."""
    rows = [
        {
            "tijdstip_utc": e.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "gebruiker": e.user,
            "soort": e.entity.value,
            "id": e.entity_id,
            "wijziging": e.change.value,
            "velden": ", ".join(e.changed_fields()),
            "toelichting": e.note,
            "voor": "" if e.before is None else json.dumps(e.before, ensure_ascii=False),
            "na": "" if e.after is None else json.dumps(e.after, ensure_ascii=False),
        }
        for e in entries
    ]
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)
