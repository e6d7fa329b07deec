# SPDX-License-Identifier: EUPL-1.2
"""Read programme and catalogue YAML into domain models, with problems that name file and field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from veiligstad import yamlfile
from veiligstad.domain.indicators import Catalogue
from veiligstad.domain.programme import Programme
from veiligstad.errors import DefinitionError, Problem

Model = TypeVar("Model", bound=BaseModel)

_FIXES = {
    "missing": "voeg dit veld toe",
    "extra_forbidden": "verwijder dit veld of controleer de spelling van de naam",
    "string_pattern_mismatch": "gebruik kleine letters, cijfers en streepjes (bijv. 'misdrijven-totaal')",
    "int_parsing": "vul een geheel getal in",
    "int_type": "vul een geheel getal in",
    "float_parsing": "vul een getal in met een punt als decimaalteken, of GM (geen meting)",
    "date_from_datetime_parsing": "schrijf de datum als JJJJ-MM-DD",
    "date_parsing": "schrijf de datum als JJJJ-MM-DD",
    "too_short": "vul minstens één waarde in",
    "string_too_short": "vul een langere tekst in",
    "greater_than_equal": "kies een grotere waarde",
    "less_than_equal": "kies een kleinere waarde",
}


def builtin_catalogue_path() -> Path:
    """The catalogue shipped with veiligstad."""
    return Path(str(resources.files("veiligstad") / "data" / "catalogue" / "indicators.yaml"))


def builtin_programme_path() -> Path:
    """The default programme: Maastricht MJP 2023-2026."""
    base = resources.files("veiligstad") / "data" / "programmes"
    return Path(str(base / "maastricht-2023-2026.yaml"))


def field_path(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as ``indicators[3].published.unit``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


#: Location parts pydantic adds for the members of a union type (e.g. ``values[2023].float``).
_UNION_MEMBERS = {"int", "float", "str", "bool", "literal['GM']"}


def _problems(error: ValidationError, path: Path) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for item in error.errors():
        loc = tuple(item["loc"])
        if loc and isinstance(loc[-1], str) and loc[-1] in _UNION_MEMBERS:
            # One problem per cell, not one per member of the union it failed.
            where = f"{path.name}: {field_path(loc[:-1])}"
            if where not in seen:
                seen.add(where)
                problems.append(
                    Problem(
                        "invalid-value", where, f"ongeldige waarde {item['input']!r}", _FIXES["float_parsing"]
                    )
                )
            continue
        if item["type"] in {"literal_error", "enum"}:
            expected = item.get("ctx", {}).get("expected", "")
            fix = f"kies uit: {expected}"
        elif item["type"] == "union_tag_invalid" or item["type"].startswith("float"):
            fix = _FIXES["float_parsing"]
        else:
            fix = _FIXES.get(item["type"], "")
        location = f"{path.name}: {field_path(item['loc'])}"
        problems.append(Problem(item["type"], location, item["msg"], fix))
    return problems


def read_yaml(path: Path) -> Any:
    """Parse a YAML file within the limits of ``veiligstad.yamlfile``; bad files raise DefinitionError."""
    try:
        return yamlfile.read(path)
    except FileNotFoundError as exc:
        problem = Problem("file-not-found", str(path), "bestand bestaat niet", "controleer het pad")
        raise DefinitionError(f"Bestand niet gevonden: {path}", [problem]) from exc
    except UnicodeDecodeError as exc:
        problem = Problem("encoding", str(path), "geen UTF-8", "sla het bestand op als UTF-8")
        raise DefinitionError(f"Bestand is geen UTF-8: {path}", [problem]) from exc
    except yamlfile.YamlLimitError as exc:
        problem = Problem("yaml-limit", path.name, str(exc), exc.hint)
        raise DefinitionError(f"Definitiebestand wordt niet gelezen: {path}", [problem]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name}: regel {mark.line + 1}" if mark else path.name
        problem = Problem("yaml-syntax", where, str(exc).splitlines()[0], "herstel de YAML-syntaxis")
        raise DefinitionError(f"Ongeldige YAML in {path}", [problem]) from exc


def parse(model: type[Model], data: Any, path: Path) -> Model:
    """Validate parsed YAML against a model; every structural problem is reported."""
    if not isinstance(data, dict):
        problem = Problem(
            "not-a-mapping",
            path.name,
            "het bestand moet een YAML-mapping zijn (velden met 'naam: waarde')",
            "begin het bestand met de velden op het hoogste niveau, zoals in het voorbeeldprogramma",
        )
        raise DefinitionError(f"Ongeldig definitiebestand: {path}", [problem])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(f"Ongeldig definitiebestand: {path}", _problems(exc, path)) from exc


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load the indicator catalogue (the built-in one by default)."""
    source = path or builtin_catalogue_path()
    return parse(Catalogue, read_yaml(source), source)


def load_programme(path: Path | None = None) -> Programme:
    """Load a programme file (the built-in Maastricht programme by default)."""
    source = path or builtin_programme_path()
    return parse(Programme, read_yaml(source), source)
