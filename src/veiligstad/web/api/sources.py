# SPDX-License-Identifier: EUPL-1.2
"""``/bronnen``: the current import batch of every source, its newest period and freshness."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Path
from pydantic import Field

from veiligstad.errors import NotFound
from veiligstad.services.freshness import SourceStatus
from veiligstad.web.api.parameters import CurrentSnapshot, examples
from veiligstad.web.api.responses import Resource, SelfLink, path, responses, text

router = APIRouter(tags=["bronnen"])

SOURCE_PATTERN = r"^[a-z0-9][a-z0-9.\-]*$"


class Source(Resource):
    """A source as currently loaded: what, when, how many rows and whether it is up to date."""

    source_id: str
    title: str | None
    kind: str = Field(description="`embedded` (meegeleverde momentopname), `cbs`, `file`, ...")
    table_id: str | None = Field(description="CBS/Politie-tabel, bijvoorbeeld `47018NED`.")
    newest_period: str | None
    newest_period_end: dt.date | None
    loaded_at: dt.datetime | None
    retrieved_at: dt.datetime | None
    rows: int
    rows_rejected: int
    file_hash: str | None = Field(description="SHA-256 van het geladen bestand.")
    refresh_rule: str = Field(description="Hoe vaak een nieuwere periode wordt verwacht.")
    due: dt.date | None = Field(description="Uiterlijk wanneer een nieuwere periode verwacht wordt.")
    age_months: int | None
    snapshot: bool = Field(description="Een meegeleverde momentopname die niet vanzelf ververst.")
    outdated: bool
    warning: str | None
    links: SelfLink


class SourceList(Resource):
    """Every current source."""

    items: list[Source]
    links: SelfLink


def _moment(value: Any) -> dt.datetime | None:
    if value is None or (not isinstance(value, dt.datetime) and pd.isna(value)):
        return None
    moment = pd.Timestamp(value).to_pydatetime()
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def source(status: SourceStatus) -> Source:
    """The API form of a source's status (the loading user is not published)."""
    return Source(
        source_id=status.source_id,
        title=text(status.title),
        kind=status.kind,
        table_id=status.table_id,
        newest_period=status.newest_period,
        newest_period_end=status.newest_period_end,
        loaded_at=_moment(status.loaded_at),
        retrieved_at=_moment(status.retrieved_at),
        rows=status.rows,
        rows_rejected=status.rows_rejected,
        file_hash=text(status.file_hash),
        refresh_rule=status.rule,
        due=status.due,
        age_months=status.age_months,
        snapshot=status.snapshot,
        outdated=status.outdated,
        warning=text(status.warning),
        links=SelfLink(self=path("bronnen", status.source_id)),
    )


@router.get("/bronnen", responses=responses(), summary="Bronnen met nieuwste periode en actualiteit")
def list_sources(snapshot: CurrentSnapshot) -> SourceList:
    """Every source as currently loaded, with its newest period and whether it is out of date."""
    return SourceList(items=[source(s) for s in snapshot.sources], links=SelfLink(self=path("bronnen")))


@router.get("/bronnen/{id}", responses=responses(), summary="Eén bron")
def get_source(
    id: Annotated[
        str,
        Path(
            pattern=SOURCE_PATTERN,
            openapi_examples=examples("politie-47018ned-maastricht-buurten-2023"),
            description="Id van de bron.",
        ),
    ],
    snapshot: CurrentSnapshot,
) -> Source:
    """One source by id (the ids that values name in their provenance)."""
    found = next((s for s in snapshot.sources if s.source_id == id), None)
    if found is None:
        raise NotFound(f"Onbekende bron '{id}'. Zie /api/v1/bronnen voor de bronnen.")
    return source(found)
