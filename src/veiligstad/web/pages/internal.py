# SPDX-License-Identifier: EUPL-1.2
"""Intern: pages behind login (raw counts, uploads, sources management, accounts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from veiligstad.domain.accounts import Role
from veiligstad.web import auth
from veiligstad.web.templating import render

router = APIRouter(prefix="/intern", include_in_schema=False)

Raad = Annotated[auth.Viewer, Depends(auth.require(Role.RAAD))]


@router.get("/")
def internal_home(request: Request, viewer: Raad) -> Response:
    """What the account may do inside."""
    return render(request, "internal/home.html", title="Intern", role=viewer.role)
