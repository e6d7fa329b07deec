# SPDX-License-Identifier: EUPL-1.2
"""Document-level parts of the OpenAPI document: tag descriptions, licence, conventions.

``create_app`` calls ``customise(app)`` once, after the routers are included. Everything
per operation (responses, problems, the ``API-Version`` header) is declared on the routes.
"""

from __future__ import annotations

from fastapi import FastAPI

TAGS = [
    {
        "name": "programma",
        "description": "Het veiligheidsprogramma (MJP), de thema's en de stand per indicator.",
    },
    {
        "name": "indicatoren",
        "description": "Definities en waarden per gebied en periode, met interval en herkomst.",
    },
    {"name": "gebieden", "description": "Land, gemeenten, stadsdelen, wijken en buurten (CBS-codes)."},
    {"name": "bronnen", "description": "Geladen bronnen met nieuwste periode en actualiteit."},
    {"name": "signalen", "description": "Significante veranderingen sinds een datum."},
    {"name": "hotspots", "description": "Getis–Ord Gi* en local Moran's I per gebied."},
]

LICENCE = {"name": "EUPL-1.2", "identifier": "EUPL-1.2"}

CONVENTIONS = (
    "\n\nAfspraken: paden volgen de NL API Design Rules (meervoud, kebab-case, versie in het pad, "
    "header `API-Version`); velden in snake_case; fouten als `application/problem+json` (400 met "
    "`errors` per ongeldige parameter, 404 voor onbekende ids); lange lijsten per pagina met "
    "`pagina` en `per_pagina` en links naar de andere pagina's. Kleine aantallen (1 tot de drempel, "
    'standaard 5) zijn afgeschermd: `suppressed: true`, `disclosure: "< 5"` en geen waarde, '
    "teller of interval. Soms is ook een groter aantal weggelaten, zodat een klein aantal niet "
    'uit de totalen terug te rekenen is: `disclosure: "afgeschermd"`, `suppression: "secundair"`.'
)


def customise(app: FastAPI) -> None:
    """Add tag descriptions, the licence and the API conventions to the document (idempotent)."""
    app.openapi_tags = TAGS
    app.license_info = LICENCE
    if CONVENTIONS not in (app.description or ""):
        app.description = (app.description or "") + CONVENTIONS
    app.openapi_schema = None  # generated again, with the above, on the next request
