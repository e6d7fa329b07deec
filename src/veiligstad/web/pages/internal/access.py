# SPDX-License-Identifier: EUPL-1.2
"""What the internal pages share: the role checks, the page list, limits and the busy message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends

from veiligstad.domain.accounts import Role
from veiligstad.errors import WarehouseError
from veiligstad.web import auth

raad = auth.require(Role.RAAD)
analist = auth.require(Role.ANALIST)
beheerder = auth.require(Role.BEHEERDER)
Raad = Annotated[auth.Viewer, Depends(raad)]
Analist = Annotated[auth.Viewer, Depends(analist)]
Beheerder = Annotated[auth.Viewer, Depends(beheerder)]

#: Rows shown in an HTML table; the download has them all.
MAX_ROWS = 500
BUSY = "Het warehouse is bezet; probeer het zo opnieuw."
BUSY_HINT = (
    "Een import of ander proces schrijft op dit moment. Wacht even en verstuur het formulier nog eens."
)
AREA_CODE = re.compile(r"^[A-Z0-9]{2,16}$")


@dataclass(frozen=True)
class InternalPage:
    """A page under /intern/ and the role that may open it."""

    path: str
    title: str
    summary: str
    role: Role


PAGES = (
    InternalPage(
        "/intern/waarden",
        "Ruwe waarden",
        "Tellers en noemers zonder afscherming, en de waarnemingen eronder.",
        Role.ANALIST,
    ),
    InternalPage(
        "/intern/uploads",
        "Eigen cijfers uploaden",
        "Een CSV- of Excel-bestand controleren en laden.",
        Role.ANALIST,
    ),
    InternalPage(
        "/intern/acties",
        "Uitvoeringsprogramma",
        "Acties toevoegen en bijwerken: status, voortgang en evaluatie.",
        Role.ANALIST,
    ),
    InternalPage(
        "/intern/evaluatie",
        "Jaarevaluatie",
        "Per thema de veranderingen en acties van een jaar, met conclusies en bijsturing.",
        Role.ANALIST,
    ),
    InternalPage(
        "/intern/bronnen",
        "Bronnenbeheer",
        "Alle geladen versies van elke bron, met herkomst en actualiteit.",
        Role.BEHEERDER,
    ),
    InternalPage(
        "/intern/gebruikers", "Gebruikers", "Accounts toevoegen, wijzigen en verwijderen.", Role.BEHEERDER
    ),
    InternalPage(
        "/intern/audit", "Audittrail", "Wie wijzigde wanneer wat in het uitvoeringsprogramma.", Role.BEHEERDER
    ),
)


def warehouse_problem(exc: WarehouseError) -> tuple[str, str]:
    """A Dutch message and hint for a warehouse that cannot be opened or written."""
    text = f"{exc} {exc.__cause__ or ''}".lower()
    if "lock" in text:
        return BUSY, BUSY_HINT
    return f"Het warehouse kan niet worden gebruikt: {exc.message}", exc.hint


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a template: missing values (NaN, NaT) become None."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]
