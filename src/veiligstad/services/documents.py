# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad sources add`` / ``veiligstad sources``: register and find qualitative sources.

A YAML file holds one document (a mapping), several (a list) or ``documents: [...]``.
Every problem of every document is collected (unknown theme ids against the programme,
unknown area codes against the warehouse, bad dates, missing fields) and reported with
its fix; nothing is saved unless all documents are valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from veiligstad import yamlfile
from veiligstad.definitions.loader import field_path
from veiligstad.domain.documents import Confidentiality, Document, DocumentKind
from veiligstad.domain.programme import Programme
from veiligstad.errors import DataError, Problem
from veiligstad.storage.documents import load_documents, save_documents
from veiligstad.storage.warehouse import Warehouse

_FIXES = {
    "date_from_datetime_parsing": "schrijf de datum als JJJJ-MM-DD, bijv. 2024-03-31",
    "date_parsing": "schrijf de datum als JJJJ-MM-DD, bijv. 2024-03-31",
    "date_type": "schrijf de datum als JJJJ-MM-DD, bijv. 2024-03-31",
    "missing": "voeg dit veld toe",
    "extra_forbidden": (
        "toegestane velden: id, title, date, author, organisation, kind, themes, areas, summary, "
        "file, url, confidentiality"
    ),
    "string_too_short": "vul dit veld in (minstens 3 tekens)",
    "string_pattern_mismatch": "gebruik kleine letters, cijfers en streepjes, bijv. drugsonderzoek-2024",
    "list_type": "geef een lijst, bijv. [ondermijnende-criminaliteit]",
}
_MESSAGES = {
    "missing": "verplicht veld ontbreekt",
    "extra_forbidden": "onbekend veld",
    "date_from_datetime_parsing": "ongeldige datum",
    "date_parsing": "ongeldige datum",
    "date_type": "ongeldige datum",
    "string_too_short": "te kort",
    "string_pattern_mismatch": "ongeldige id",
    "list_type": "moet een lijst zijn",
}


@dataclass
class AddReport:
    """What ``sources add`` registered."""

    file: str
    added: list[str]
    replaced: list[str]


class _TextDatesLoader(yamlfile.SafeLoader):
    """The bounded SafeLoader (``veiligstad.yamlfile``), leaving dates as text: a bad date is reported."""


_TextDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_documents_yaml(path: Path) -> Any:
    """Parse a documents file within the YAML limits; unreadable or malformed YAML is one Dutch error."""
    try:
        return yamlfile.read(path, _TextDatesLoader)
    except FileNotFoundError as exc:
        raise DataError(f"Bestand niet gevonden: {path}", hint="Controleer het pad.") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path.name} is geen UTF-8.", hint="Sla het bestand op als UTF-8.") from exc
    except yamlfile.YamlLimitError as exc:
        raise DataError(f"{path.name} wordt niet gelezen: {exc}.", hint=exc.hint) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", regel {mark.line + 1}" if mark else ""
        raise DataError(
            f"Ongeldige YAML in {path.name}{where}: {str(exc).splitlines()[0]}",
            hint="Herstel de YAML-syntaxis (let op inspringing en dubbele punten).",
        ) from exc


def _items(data: Any, path: Path) -> list[Any]:
    if isinstance(data, dict) and "documents" in data:
        data = data["documents"]
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list) and data:
        return data
    raise DataError(
        f"{path.name} bevat geen documenten.",
        hint="Schrijf één document als velden (title: …, date: …) of een lijst onder 'documents:'.",
    )


def _label(index: int, item: Any) -> str:
    title = item.get("id") or item.get("title") if isinstance(item, dict) else None
    return f"document {index + 1}" + (f" ({title})" if title else "")


def _pydantic_problems(error: ValidationError, where: str) -> list[Problem]:
    problems = []
    for item in error.errors():
        kind = item["type"]
        loc = field_path(tuple(item["loc"]))
        location = f"{where}: {loc}" if loc else where
        if kind in {"enum", "literal_error"}:
            expected = item.get("ctx", {}).get("expected", "")
            problems.append(
                Problem(kind, location, f"ongeldige waarde {item['input']!r}", f"kies uit: {expected}")
            )
            continue
        message = _MESSAGES.get(kind, item["msg"].removeprefix("Value error, "))
        if kind.startswith("date"):
            message = f"ongeldige datum {item['input']!r}"
        problems.append(Problem(kind, location, message, _FIXES.get(kind, "")))
    return problems


def _texts(value: Any) -> list[str]:
    return [str(v).strip() for v in value] if isinstance(value, list) else []


def _reference_problems(
    item: dict[str, Any], where: str, programme: Programme, theme_ids: list[str], areas: set[str]
) -> list[Problem]:
    """Theme ids the programme does not know and area codes the warehouse does not know."""
    problems = [
        Problem(
            "unknown-theme",
            f"{where}: themes",
            f"onbekend thema '{theme}' in programma {programme.id}",
            f"kies uit: {', '.join(theme_ids)}",
        )
        for theme in _texts(item.get("themes"))
        if theme not in theme_ids
    ]
    problems += [
        Problem(
            "unknown-area",
            f"{where}: areas",
            f"onbekende gebiedscode '{code.upper()}'",
            "gebruik een code uit `veiligstad areas` (bijv. GM0935, WK093500, BU09350000)",
        )
        for code in _texts(item.get("areas"))
        if code.upper() not in areas
    ]
    return problems


def parse_documents(
    path: Path, programme: Programme, known_areas: Iterable[str]
) -> tuple[list[Document], list[Problem]]:
    """Validate a documents file; the documents when valid, and every problem found."""
    items = _items(read_documents_yaml(path), path)
    theme_ids = [t.id for t in programme.themes]
    areas = set(known_areas)
    documents: list[Document] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        where = f"{path.name}: {_label(index, item)}"
        if not isinstance(item, dict):
            problems.append(Problem("not-a-mapping", where, "geen document (velden met 'naam: waarde')"))
            continue
        problems.extend(_reference_problems(item, where, programme, theme_ids, areas))
        try:
            doc = Document.model_validate(item)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, where))
            continue
        if doc.id in seen:
            problems.append(
                Problem(
                    "duplicate-id",
                    f"{where}: id",
                    f"id '{doc.id}' komt ook voor bij {seen[doc.id]}",
                    "geef elk document een eigen id",
                )
            )
        seen[doc.id] = _label(index, item)
        documents.append(doc)
    return documents, problems


class DocumentsError(DataError):
    """A documents file with problems; carries every problem found."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message, hint="Herstel het bestand en voer `veiligstad sources add` opnieuw uit.")
        self.problems = tuple(problems)


def add_documents(
    warehouse: Warehouse,
    path: Path,
    programme: Programme,
    user: str | None = None,
    now: dt.datetime | None = None,
) -> AddReport:
    """Register the documents of a YAML file (all or nothing); same id replaces."""
    codes = warehouse.areas().code.to_pandas()
    documents, problems = parse_documents(path, programme, set(codes))
    if problems:
        raise DocumentsError(
            f"{path.name}: {len(problems)} probleem/problemen; niets geregistreerd.", problems
        )
    existing = {doc.id for doc in load_documents(warehouse)}
    save_documents(warehouse, documents, now or dt.datetime.now(dt.UTC), user or "")
    ids = [doc.id for doc in documents]
    return AddReport(
        file=path.name,
        added=[i for i in ids if i not in existing],
        replaced=[i for i in ids if i in existing],
    )


def _inside(warehouse: Warehouse, code: str) -> set[str]:
    """The area itself and every area whose parent it is (gemeente, stadsdeel or wijk)."""
    areas = warehouse.areas()
    rows = areas.filter(
        (areas.code == code)
        | (areas.gemeente_code == code)
        | (areas.stadsdeel_code == code)
        | (areas.wijk_code == code)
    ).code.to_pandas()
    return {*rows, code}


def find_documents(
    warehouse: Warehouse,
    theme: str | None = None,
    area: str | None = None,
    search: str | None = None,
    confidentiality: Confidentiality | None = None,
) -> list[Document]:
    """Documents on a theme, on an area or any area inside it, and/or containing a text."""
    documents = load_documents(warehouse)
    if theme:
        documents = [d for d in documents if theme in d.themes]
    if area:
        inside = _inside(warehouse, area.strip().upper())
        documents = [d for d in documents if inside & set(d.areas)]
    if search:
        needle = search.casefold()
        documents = [
            d
            for d in documents
            if needle
            in " ".join([d.title, d.summary, d.author, d.organisation, d.id, d.kind.value]).casefold()
        ]
    if confidentiality is not None:
        documents = [d for d in documents if d.confidentiality is confidentiality]
    return documents


def documents_frame(documents: list[Document]) -> pd.DataFrame:
    """A table of documents (for JSON and export)."""
    return pd.DataFrame(
        [doc.model_dump(mode="json") for doc in documents],
        columns=list(Document.model_fields),
    )


KINDS = [k.value for k in DocumentKind]
