# SPDX-License-Identifier: EUPL-1.2
"""The uitvoeringsprogramma as a YAML file, so a municipality can keep it in version control.

A file holds ``actions: [...]`` (optionally with a ``year:`` that actions without their own
year take), a bare list of actions, or one action. ``import_actions`` validates everything
first — structure, dates, choices, theme ids, indicator ids, area codes, duplicate ids — and
lists every problem with file, item, field and fix; it writes nothing while any problem
remains. ``actions_yaml`` writes a file that imports back to the same actions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from veiligstad.definitions.loader import field_path
from veiligstad.definitions.validation import Definitions
from veiligstad.domain.actions import Action, AuditEntry, Change
from veiligstad.errors import DataError, Problem
from veiligstad.services.actions import ActionsError, area_register, audit_entry, now_utc, reference_problems
from veiligstad.services.documents import read_documents_yaml
from veiligstad.storage import actions as store
from veiligstad.storage.warehouse import Warehouse

ACTION_FIELDS = ", ".join(Action.model_fields)
DATE_FIX = "schrijf de datum als JJJJ-MM-DD, bijv. 2024-03-31"
FIXES = {
    "missing": "voeg dit veld toe",
    "string_too_short": "vul dit veld in (minstens 3 tekens)",
    "string_too_long": "maak de tekst korter",
    "string_pattern_mismatch": "gebruik kleine letters, cijfers en streepjes, bijv. 2024-cameratoezicht",
    "string_type": 'zet de tekst tussen aanhalingstekens, bijv. "6.1"',
    "list_type": "geef een lijst, bijv. [ondermijnende-criminaliteit]",
    "too_short": "geef minstens één waarde",
    "int_type": "vul een jaartal in zonder aanhalingstekens, bijv. 2024",
    "greater_than_equal": "kies een jaar vanaf 2000",
    "less_than_equal": "kies een jaar tot en met 2100",
    "model_type": "schrijf velden met 'naam: waarde'",
    "dict_type": "schrijf velden met 'naam: waarde'",
}
MESSAGES = {
    "missing": "verplicht veld ontbreekt",
    "extra_forbidden": "onbekend veld",
    "string_too_short": "te kort",
    "string_too_long": "te lang",
    "string_pattern_mismatch": "ongeldige id",
    "string_type": "moet tekst zijn",
    "list_type": "moet een lijst zijn",
    "too_short": "mag niet leeg zijn",
    "int_type": "moet een geheel getal zijn",
}


@dataclass
class ImportReport:
    """What an import did, by action id."""

    file: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def validation_problems(error: ValidationError, where: str, fields: str = ACTION_FIELDS) -> list[Problem]:
    """Pydantic errors as Dutch problems naming the field and the fix (``fields``: the
    allowed field names, for an unknown one)."""
    problems = []
    for item in error.errors():
        kind = item["type"]
        loc = field_path(tuple(item["loc"]))
        location = f"{where}: {loc}" if loc else where
        if kind in {"enum", "literal_error"}:
            expected = item.get("ctx", {}).get("expected", "")
            message, fix = f"ongeldige waarde {item['input']!r}", f"kies uit: {expected}"
        elif kind.startswith(("date", "datetime")):
            message, fix = f"ongeldige datum {item['input']!r}", DATE_FIX
        elif kind == "extra_forbidden":
            message, fix = MESSAGES[kind], f"toegestane velden: {fields}"
        else:
            message = MESSAGES.get(kind, item["msg"].removeprefix("Value error, "))
            fix = FIXES.get(kind, "")
        problems.append(Problem(kind, location, message, fix))
    return problems


def _items(data: Any, path: Path) -> tuple[list[Any], list[Problem]]:
    """The action mappings of a file, with the file-level default year applied."""
    problems: list[Problem] = []
    default_year: Any = None
    if isinstance(data, dict) and "actions" in data:
        unknown = sorted(set(data) - {"actions", "year"})
        problems += [
            Problem(
                "extra_forbidden",
                f"{path.name}: {key}",
                "onbekend veld",
                "bovenaan staan alleen year en actions",
            )
            for key in unknown
        ]
        default_year = data.get("year")
        if default_year is not None and (isinstance(default_year, bool) or not isinstance(default_year, int)):
            problems.append(
                Problem("int_type", f"{path.name}: year", "moet een geheel getal zijn", FIXES["int_type"])
            )
            default_year = None
        data = data["actions"] if data["actions"] is not None else []
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or (not data and not problems):
        raise DataError(
            f"{path.name} bevat geen acties.",
            hint="Schrijf een lijst onder 'actions:' (zie examples/acties-voorbeeld.yaml).",
        )
    if default_year is not None:
        data = [{"year": default_year, **item} if isinstance(item, dict) else item for item in data]
    return data, problems


def _label(index: int, item: Any) -> str:
    name = (item.get("id") or item.get("title")) if isinstance(item, dict) else None
    return f"actie {index + 1}" + (f" ({name})" if name else "")


def area_codes(data: Any) -> set[str]:
    """Every area code a parsed actions file mentions (to look up only those)."""
    items = data.get("actions") if isinstance(data, dict) and "actions" in data else data
    items = [items] if isinstance(items, dict) else items if isinstance(items, list) else []
    found: set[str] = set()
    for item in items:
        codes = item.get("areas") if isinstance(item, dict) else None
        if isinstance(codes, list):
            found |= {str(code).strip().upper() for code in codes}
    return found


def parse_actions(
    path: Path, definitions: Definitions, areas: Mapping[str, str], data: Any = None
) -> tuple[list[Action], list[Problem]]:
    """Validate an actions file (``data``: its parsed YAML, when already read); the actions,
    and every problem found in any of them."""
    items, problems = _items(read_documents_yaml(path) if data is None else data, path)
    actions: list[Action] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        where = f"{path.name}: {_label(index, item)}"
        if not isinstance(item, dict):
            problems.append(Problem("not-a-mapping", where, "geen actie (velden met 'naam: waarde')"))
            continue
        problems.extend(reference_problems(item, where, definitions, areas))
        try:
            action = Action.model_validate(item)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, where))
            continue
        if action.id in seen:
            problems.append(
                Problem(
                    "duplicate-id",
                    f"{where}: id",
                    f"id '{action.id}' komt ook voor bij {seen[action.id]}",
                    "geef elke actie een eigen id (of een andere titel)",
                )
            )
        seen[action.id] = _label(index, item)
        actions.append(action)
    return actions, problems


def import_actions(
    warehouse: Warehouse,
    path: Path,
    definitions: Definitions,
    *,
    user: str,
    now: dt.datetime | None = None,
    prune: bool = False,
) -> ImportReport:
    """Save the actions of a YAML file, all or nothing; the same id replaces an action.

    With ``prune``, stored actions of the years in the file that the file no longer lists are
    deleted. Every change is in the audit trail (``import``, or ``delete`` when pruned).
    """
    data = read_documents_yaml(path)
    actions, problems = parse_actions(path, definitions, area_register(warehouse, area_codes(data)), data)
    if problems:
        raise ActionsError(
            f"{path.name}: {len(problems)} probleem/problemen; niets geïmporteerd.",
            problems,
            hint="Herstel het bestand en voer `veiligstad actions import` opnieuw uit.",
        )
    at = now or now_utc()
    stored = {a.id: a for a in store.load_actions(warehouse)}
    report = ImportReport(path.name)
    audit: list[AuditEntry] = []
    changed: list[Action] = []
    for action in actions:
        before = stored.get(action.id)
        if before == action:
            report.unchanged.append(action.id)
            continue
        (report.added if before is None else report.updated).append(action.id)
        changed.append(action)
        audit.append(audit_entry(Change.IMPORT, before, action, user, at, f"import {path.name}"))
    if prune:
        listed = {a.id for a in actions}
        file_years = {a.year for a in actions}
        for old in stored.values():
            if old.year in file_years and old.id not in listed:
                report.deleted.append(old.id)
                audit.append(
                    audit_entry(
                        Change.DELETE, old, None, user, at, f"import {path.name}: niet meer in het bestand"
                    )
                )
    if audit:
        store.write(warehouse, audit, actions=changed, deleted_actions=report.deleted)
    return report


# --------------------------------------------------------------------------- export


class _Dumper(yaml.SafeDumper):
    """Block style for text with line breaks, so a diff in version control stays readable."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)

#: Written for every action, even when it has its default value.
ALWAYS = ("id", "year", "title", "themes", "status")


def _plain(value: Any) -> Any:
    """Enums as their values, recursively (dates stay dates: YAML writes them unquoted)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def action_record(action: Action) -> dict[str, Any]:
    """An action as the YAML file holds it: fields in model order, defaults left out."""
    full = action.model_dump(mode="python")
    shown = action.model_dump(mode="python", exclude_defaults=True)
    return {key: _plain(full[key]) for key in Action.model_fields if key in ALWAYS or key in shown}


def actions_yaml(actions: Sequence[Action], now: dt.datetime | None = None) -> str:
    """A YAML file with these actions that ``import_actions`` reads back unchanged."""
    moment = (now or now_utc()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = (
        f"# Uitvoeringsprogramma: {len(actions)} actie(s), geëxporteerd door veiligstad op {moment}.\n"
        "# Importeren: veiligstad actions import <dit bestand>\n"
    )
    body = yaml.dump(
        {"actions": [action_record(a) for a in actions]},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return header + body


def export_actions(
    warehouse: Warehouse, path: Path, year: int | None = None, now: dt.datetime | None = None
) -> int:
    """Write the stored actions (of one year, or all) to a YAML file; the number written."""
    actions = [a for a in store.load_actions(warehouse) if year is None or a.year == year]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actions_yaml(actions, now), encoding="utf-8")
    except OSError as exc:
        raise DataError(f"Kan {path} niet schrijven: {exc.strerror}.", hint="Kies een andere map.") from exc
    return len(actions)
