# SPDX-License-Identifier: EUPL-1.2
"""What every API operation shares: strict response models and its documented responses.

Every response body is a pydantic model with ``strict=True`` (no silent coercion) and
``extra="forbid"`` (the OpenAPI document says ``additionalProperties: false``). Errors are
RFC 9457 problem documents (``application/problem+json``), rendered by ``web/errors.py``;
``responses()`` documents them on each operation, together with the ``API-Version`` header
that every ``/api`` response carries.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from veiligstad.web.errors import PROBLEM

#: Problem statuses documented on every operation: a bad parameter, an unknown resource.
CLIENT_ERRORS = (400, 404)

API_VERSION_HEADER: dict[str, Any] = {
    "API-Version": {
        "description": "Versie van de API (semantic versioning), op elk antwoord onder /api.",
        "required": True,
        "schema": {"type": "string", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"},
    }
}

DESCRIPTIONS = {
    400: "Ongeldige parameter; `errors` noemt elke fout.",
    404: "Onbekende indicator, thema, gebied, bron of combinatie.",
    409: "Geldig verzoek dat met deze gegevens niet te beantwoorden is (Gi* op minder dan 30 gebieden).",
    503: "De gegevens zijn even niet te lezen (bijvoorbeeld tijdens een import); probeer het later.",
    "4XX": "Een andere fout van de client (bijvoorbeeld 405: methode niet toegestaan).",
}


class Resource(BaseModel):
    """Base of every response model: strict, closed and immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class ProblemField(Resource):
    """One invalid parameter."""

    location: str = Field(description="Waar de fout zit, bijvoorbeeld `query.niveau`.")
    message: str


class Problem(Resource):
    """An RFC 9457 problem document."""

    type: str = Field(description="`about:blank`: de betekenis volgt uit `status`.")
    title: str
    status: int
    detail: str = Field(description="Uitleg in het Nederlands.")
    instance: str = Field(description="Het pad van het verzoek.")
    errors: list[ProblemField] | None = Field(default=None, description="Bij 400: elke ongeldige parameter.")


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema with its ``$defs`` references replaced by the definitions themselves."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


#: The problem schema, self-contained: no component is needed, so the OpenAPI document lists
#: it under ``application/problem+json`` only (a ``model=`` would add ``application/json``).
PROBLEM_SCHEMA = _inline(Problem.model_json_schema())


def responses(*extra: int) -> dict[int | str, dict[str, Any]]:
    """The documented responses of an operation: 200 with the version header, the problems."""
    documented: dict[int | str, dict[str, Any]] = {200: {"headers": API_VERSION_HEADER}}
    statuses: tuple[int | str, ...] = (*CLIENT_ERRORS, *extra, "4XX")
    for status in statuses:
        documented[status] = {
            "description": DESCRIPTIONS[status],
            "headers": API_VERSION_HEADER,
            "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}},
        }
    return documented


def number(value: Any) -> float | None:
    """A float for JSON, or None for a missing value (NaN, None, pandas NA)."""
    if missing(value):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def whole(value: Any) -> int | None:
    """An int (a count or a year), or None when missing."""
    result = number(value)
    return None if result is None else round(result)


def missing(value: Any) -> bool:
    """Whether a frame cell holds no value (None, NaN, pandas NA)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array is a value
        return False


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def text(value: Any) -> str | None:
    """A non-empty string, or None."""
    if missing(value):
        return None
    result = str(value)
    return result or None


def flag(value: Any) -> bool:
    """A bool from a frame cell that may be missing (missing is False)."""
    return False if missing(value) else bool(value)


#: Where the API is mounted (``create_app`` includes the routers with this prefix).
BASE = "/api/v1"


def path(*parts: str) -> str:
    """A root-relative link into the API: ``path("indicatoren", "x")`` → ``/api/v1/indicatoren/x``."""
    return "/".join((BASE, *parts))


class SelfLink(Resource):
    """The resource's own address."""

    self: str
