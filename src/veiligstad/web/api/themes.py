# SPDX-License-Identifier: EUPL-1.2
"""``/themas``: the programme's themes (speerpunten and aandachtspunten) with their indicators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from veiligstad.domain.programme import ThemeKind
from veiligstad.errors import NotFound
from veiligstad.web.api.parameters import ID_PATTERN, CurrentSnapshot, examples
from veiligstad.web.api.programmes import ThemeStatus, theme_status
from veiligstad.web.api.responses import Resource, SelfLink, path, responses

router = APIRouter(tags=["programma"])


class ThemeSummary(Resource):
    """A theme and the ids of its indicators."""

    id: str
    name: str
    kind: ThemeKind = Field(description="`speerpunt` of `aandachtspunt`.")
    description: str | None
    indicator_ids: list[str]
    links: SelfLink


class ThemeList(Resource):
    """The themes of the programme in force."""

    items: list[ThemeSummary]
    links: SelfLink


@router.get("/themas", responses=responses(), summary="Thema's van het programma")
def list_themes(snapshot: CurrentSnapshot) -> ThemeList:
    """Every theme with the ids of its indicators."""
    programme = snapshot.definitions.programme
    items = [
        ThemeSummary(
            id=theme.id,
            name=theme.name,
            kind=theme.kind,
            description=theme.description or None,
            indicator_ids=[i.id for i in programme.indicators if i.theme == theme.id],
            links=SelfLink(self=path("themas", theme.id)),
        )
        for theme in programme.themes
    ]
    return ThemeList(items=items, links=SelfLink(self=path("themas")))


@router.get("/themas/{id}", responses=responses(), summary="Thema met de stand van zijn indicatoren")
def get_theme(
    id: Annotated[
        str,
        Path(
            pattern=ID_PATTERN,
            openapi_examples=examples("veelvoorkomende-criminaliteit-hic"),
            description="Id van het thema.",
        ),
    ],
    snapshot: CurrentSnapshot,
) -> ThemeStatus:
    """A theme with the status of its indicators."""
    theme = snapshot.definitions.programme.theme(id)
    if theme is None:
        known = ", ".join(t.id for t in snapshot.definitions.programme.themes)
        raise NotFound(f"Onbekend thema '{id}'. Bekende thema's: {known}.")
    return theme_status(snapshot, theme)
