# SPDX-License-Identifier: EUPL-1.2
"""API-documentatie: the operations of /api/v1, generated from the app's own OpenAPI document.

Swagger UI would load its scripts from a CDN; this page needs nothing but the server.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_text(schema: dict[str, Any]) -> str:
    """A short description of a parameter's type: ``string (patroon ^\\d{4}$)``, ``een van …``."""
    if "enum" in schema:
        return "een van: " + ", ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return " of ".join(_schema_text(s) for s in schema["anyOf"] if s.get("type") != "null")
    text = str(schema.get("type", "waarde"))
    extras = [f"patroon {schema['pattern']}"] if "pattern" in schema else []
    extras += [f"{k} {schema[k]}" for k in ("minimum", "maximum", "default") if k in schema]
    return f"{text} ({', '.join(extras)})" if extras else text


def _anchor(method: str, path: str) -> str:
    """``get-api-v1-indicatoren-indicator_id``: an id for the operation's section."""
    return f"{method}-{path.strip('/').replace('/', '-').replace('{', '').replace('}', '')}"


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the document with its parameters and answers, in path order."""
    found = []
    for path, item in sorted(document.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [
                {
                    "name": p["name"],
                    "where": {"path": "pad", "query": "query"}.get(p["in"], p["in"]),
                    "required": bool(p.get("required")),
                    "type": _schema_text(p.get("schema", {})),
                    "description": p.get("description", ""),
                }
                for p in operation.get("parameters", [])
            ]
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": _anchor(method, path),
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tags": operation.get("tags", []),
                    "parameters": parameters,
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return found


@router.get("/api/v1/docs")
def old_docs_location() -> Response:
    """Where FastAPI would put Swagger UI: send people to the offline page."""
    return RedirectResponse("/api-documentatie", status_code=307)


@router.get("/api-documentatie")
def api_reference(request: Request) -> Response:
    """The API's operations, parameters and answers."""
    document = request.app.openapi()
    found = operations(document)
    table = pd.DataFrame(
        [
            {
                "methode": o["method"],
                "pad": o["path"],
                "samenvatting": o["summary"],
                "antwoorden": " ".join(o["responses"]),
            }
            for o in found
        ]
    )
    return render(
        request,
        "api_reference.html",
        title="API-documentatie",
        stem="api",
        tables={"operaties": table},
        operations=found,
        info=document.get("info", {}),
    )
