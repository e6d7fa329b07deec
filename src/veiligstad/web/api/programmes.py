# SPDX-License-Identifier: EUPL-1.2
"""``/programmas``: the programme in force (a list of one) and its status per theme."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from veiligstad.domain.programme import Programme, Theme, ThemeKind
from veiligstad.errors import NotFound
from veiligstad.services.snapshot import Snapshot
from veiligstad.web.api.parameters import ID_PATTERN, CurrentSnapshot, examples
from veiligstad.web.api.responses import Resource, SelfLink, path, responses
from veiligstad.web.api.status import IndicatorStatus, indicator_status

router = APIRouter(tags=["programma"])


class ProgrammeSummary(Resource):
    """A multi-year safety programme (MJP)."""

    id: str
    title: str
    municipality: str = Field(description="CBS-code van de gemeente, bijvoorbeeld `GM0935`.")
    municipality_name: str
    period_start: int
    period_end: int
    baseline_year: int = Field(description="Het jaar waartegen de voortgang wordt gemeten.")
    legal_basis: str
    links: SelfLink


class ProgrammeList(Resource):
    """The programmes: the one in force."""

    items: list[ProgrammeSummary]
    links: SelfLink


class Decision(Resource):
    """The council decision that adopted the programme, as published."""

    body: str
    date: dt.date
    agenda_item: str | None
    proposal_reference: str | None
    result: str
    votes_for: int
    votes_against: int
    source: str | None


class ThemeStatus(Resource):
    """A theme with the status of its indicators."""

    id: str
    name: str
    kind: ThemeKind
    description: str | None
    indicators: list[IndicatorStatus]
    links: SelfLink


class ProgrammeDetail(ProgrammeSummary):
    """The programme with its decision, themes and the status of every indicator."""

    decision: Decision | None
    themes: list[ThemeStatus]
    context_indicators: list[IndicatorStatus] = Field(description="Indicatoren zonder thema (context).")
    notes: list[str]


def summary(programme: Programme) -> ProgrammeSummary:
    """The programme without its status."""
    return ProgrammeSummary(
        id=programme.id,
        title=programme.title,
        municipality=programme.municipality,
        municipality_name=programme.municipality_name,
        period_start=programme.period_start,
        period_end=programme.period_end,
        baseline_year=programme.baseline_year,
        legal_basis=programme.legal_basis,
        links=SelfLink(self=path("programmas", programme.id)),
    )


def statuses(snapshot: Snapshot, theme_id: str | None) -> list[IndicatorStatus]:
    """Status of the programme indicators of one theme (None: the context indicators)."""
    return [indicator_status(row) for row in snapshot.status if row.theme_id == theme_id]


def theme_status(snapshot: Snapshot, theme: Theme) -> ThemeStatus:
    """A theme with its indicators."""
    return ThemeStatus(
        id=theme.id,
        name=theme.name,
        kind=theme.kind,
        description=theme.description or None,
        indicators=statuses(snapshot, theme.id),
        links=SelfLink(self=path("themas", theme.id)),
    )


def _decision(programme: Programme) -> Decision | None:
    decision = programme.decision
    if decision is None:
        return None
    return Decision(
        body=decision.body,
        date=decision.date,
        agenda_item=decision.agenda_item or None,
        proposal_reference=decision.proposal_reference or None,
        result=decision.result,
        votes_for=decision.votes_for.count_stated,
        votes_against=decision.votes_against.count_stated,
        source=decision.source or None,
    )


@router.get("/programmas", responses=responses(), summary="Het programma dat geldt")
def list_programmes(snapshot: CurrentSnapshot) -> ProgrammeList:
    """The programme in force, as a list of one."""
    programme = snapshot.definitions.programme
    return ProgrammeList(items=[summary(programme)], links=SelfLink(self=path("programmas")))


@router.get("/programmas/{id}", responses=responses(), summary="Programma met de stand per thema")
def get_programme(
    id: Annotated[
        str,
        Path(
            pattern=ID_PATTERN,
            openapi_examples=examples("maastricht-mjp-2023-2026"),
            description="Id van het programma.",
        ),
    ],
    snapshot: CurrentSnapshot,
) -> ProgrammeDetail:
    """Themes with their indicators: baseline, latest value, significance and verdict."""
    programme = snapshot.definitions.programme
    if id != programme.id:
        raise NotFound(f"Onbekend programma '{id}'. Het geldende programma is '{programme.id}'.")
    return ProgrammeDetail(
        **summary(programme).model_dump(),
        decision=_decision(programme),
        themes=[theme_status(snapshot, theme) for theme in programme.themes],
        context_indicators=statuses(snapshot, None),
        notes=list(programme.notes),
    )
