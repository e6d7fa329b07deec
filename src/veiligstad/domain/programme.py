# SPDX-License-Identifier: EUPL-1.2
"""A municipality's multi-year safety programme (MJP) as data."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from veiligstad.domain.indicators import Bilingual, Indicator, IndicatorId

#: "GM" in the seed's table: geen meting, no survey that year. Never zero.
NO_MEASUREMENT = "GM"

MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^GM\d{4}$")]


class ThemeKind(StrEnum):
    """Speerpunt (priority) or aandachtspunt (point of attention)."""

    SPEERPUNT = "speerpunt"
    AANDACHTSPUNT = "aandachtspunt"


class _Model(Bilingual):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Theme(_Model):
    """A theme of the programme."""

    id: IndicatorId
    name: str = Field(min_length=3)
    name_en: str = ""
    kind: ThemeKind
    description: str = ""
    description_en: str = ""


class VoteSide(_Model):
    """One side of a council vote, as published: the stated count, names and total."""

    count_stated: int = Field(ge=0, description="'stemmen N leden' as the text says")
    members: list[str] = Field(default_factory=list, description="Names as listed")
    total_stated: int | None = Field(default=None, ge=0, description="The total in the concluding sentence")


class Decision(_Model):
    """The council decision that adopted the programme, as published."""

    body: str
    date: dt.date
    agenda_item: str = ""
    proposal_reference: str = ""
    votes_for: VoteSide
    votes_against: VoteSide
    result: Literal["aangenomen", "verworpen"]
    source: str = ""


class PublishedSeries(_Model):
    """Values the programme document publishes for one indicator."""

    source: str
    source_en: str = ""
    unit: str = Field(description="The unit as the document states it")
    unit_en: str = ""
    values: dict[int, int | float | Literal["GM"]]
    note: str = ""
    note_en: str = ""


class ProgrammeIndicator(_Model):
    """An indicator as the programme uses it: its theme and published values."""

    id: IndicatorId
    theme: IndicatorId | None = Field(default=None, description="None: context indicator")
    published: PublishedSeries | None = None
    theme_note: str = ""
    theme_note_en: str = ""

    def localized(self, lang: str) -> ProgrammeIndicator:
        """The entry with its texts (and its published series') in ``lang``."""
        found = super().localized(lang)
        if lang != "en" or found.published is None:
            return found
        return found.model_copy(update={"published": found.published.localized(lang)})


class Programme(_Model):
    """An MJP: themes, indicators, period, legal basis and decision record."""

    id: IndicatorId
    title: str
    title_en: str = ""
    municipality: MunicipalityCode
    municipality_name: str
    period_start: int = Field(ge=2000, le=2100)
    period_end: int = Field(ge=2000, le=2100)
    baseline_year: int = Field(ge=2000, le=2100)
    legal_basis: str
    legal_basis_en: str = ""
    decision: Decision | None = None
    themes: list[Theme] = Field(min_length=1)
    indicators: list[ProgrammeIndicator] = Field(default_factory=list)
    local_indicators: list[Indicator] = Field(
        default_factory=list, description="Definitions only this municipality uses"
    )
    notes: list[str] = Field(default_factory=list)
    notes_en: list[str] = Field(default_factory=list, description="The notes in English, in the same order")

    def theme(self, theme_id: str) -> Theme | None:
        """The theme with this id, or None."""
        return next((t for t in self.themes if t.id == theme_id), None)

    def localized(self, lang: str) -> Programme:
        """The programme with its own texts, themes, indicators and local definitions in ``lang``."""
        if lang != "en":
            return self
        return (
            super()
            .localized(lang)
            .model_copy(
                update={
                    "themes": [t.localized(lang) for t in self.themes],
                    "indicators": [i.localized(lang) for i in self.indicators],
                    "local_indicators": [i.localized(lang) for i in self.local_indicators],
                }
            )
        )
