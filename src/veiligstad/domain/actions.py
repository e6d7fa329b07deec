# SPDX-License-Identifier: EUPL-1.2
"""The programme cycle: the yearly uitvoeringsprogramma (actions), its evaluation and the audit trail.

The MJP is carried out through yearly implementation programmes that are evaluated and
adjusted every year. An ``Action`` (maatregel, interventie) belongs to a year and to one or
more programme themes; it names the goals it serves, the indicators it is meant to move and
the areas it works in, so the chain goal → indicator → action → evaluation can be followed
both ways. A ``YearEvaluation`` holds the author's conclusions and proposed adjustments per
theme. Every change to either is an ``AuditEntry``.

The models are strict: text fields take text and numbers take numbers (a YAML ``title: 2024``
or ``year: "2024"`` is reported, not silently converted); only dates and the fixed choices
(status, method, confidentiality) are read from their text form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from veiligstad.domain.documents import Confidentiality, slug

ACTION_ID = r"^[a-z0-9][a-z0-9\-]*$"
#: Longest free text accepted in one field (a description, a result).
MAX_TEXT = 20_000


class ActionStatus(StrEnum):
    """Where an action stands."""

    GEPLAND = "gepland"
    LOPEND = "lopend"
    AFGEROND = "afgerond"
    VERVALLEN = "vervallen"
    UITGESTELD = "uitgesteld"


class EvaluationMethod(StrEnum):
    """How an action's effect was evaluated."""

    VOOR_NA = "voor-na"
    VERGELIJKINGSGEBIED = "vergelijkingsgebied"
    PROCESEVALUATIE = "procesevaluatie"


#: Dutch explanation of each method, for forms and reports.
METHOD_LABELS = {
    EvaluationMethod.VOOR_NA: "voor-na (dezelfde plek vóór en na de actie)",
    EvaluationMethod.VERGELIJKINGSGEBIED: "vergelijkingsgebied (een vergelijkbaar gebied zonder de actie)",
    EvaluationMethod.PROCESEVALUATIE: "procesevaluatie (is de actie uitgevoerd zoals bedoeld?)",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _clean(values: list[str]) -> list[str]:
    """Strip each text, drop empty ones and repeats, keep the order."""
    seen: dict[str, None] = {}
    for value in values:
        text = value.strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


class ProgressNote(_Model):
    """A dated note on how an action is going."""

    date: dt.date = Field(strict=False)
    text: str = Field(min_length=3, max_length=MAX_TEXT)
    author: str = Field(default="", max_length=200)


class ActionEvaluation(_Model):
    """The evaluation of one action: method, result, conclusion and what follows."""

    method: EvaluationMethod = Field(strict=False)
    result: str = Field(default="", max_length=MAX_TEXT)
    conclusion: str = Field(default="", max_length=MAX_TEXT)
    follow_up: str = Field(default="", max_length=MAX_TEXT)


class Action(_Model):
    """One action of a yearly uitvoeringsprogramma."""

    id: str = Field(default="", pattern=r"^$|" + ACTION_ID, max_length=100)
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=3, max_length=200)
    description: str = Field(default="", max_length=MAX_TEXT)
    themes: list[str] = Field(min_length=1)
    goals: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    lead: str = Field(default="", max_length=200)
    partners: list[str] = Field(default_factory=list)
    planned_start: dt.date | None = Field(default=None, strict=False)
    planned_end: dt.date | None = Field(default=None, strict=False)
    status: ActionStatus = Field(default=ActionStatus.GEPLAND, strict=False)
    budget_line: str = Field(default="", max_length=200)
    confidentiality: Confidentiality = Field(default=Confidentiality.OPENBAAR, strict=False)
    progress: list[ProgressNote] = Field(default_factory=list)
    evaluation: ActionEvaluation | None = None

    @field_validator("themes", "goals", "indicators", "partners")
    @classmethod
    def _texts_clean(cls, value: list[str]) -> list[str]:
        return _clean(value)

    @field_validator("areas")
    @classmethod
    def _codes_upper(cls, value: list[str]) -> list[str]:
        return _clean([code.upper() for code in value])

    @field_validator("title", "lead", "budget_line")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> Action:
        if not self.themes:
            raise ValueError("kies minstens één thema (themes)")
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValueError(
                f"planned_end ({self.planned_end.isoformat()}) ligt vóór planned_start "
                f"({self.planned_start.isoformat()})"
            )
        if not self.id:
            object.__setattr__(self, "id", action_id(self.year, self.title))  # frozen model
        return self

    @property
    def is_public(self) -> bool:
        """Whether the action may be shown on public pages and in the public report."""
        return self.confidentiality is Confidentiality.OPENBAAR

    @property
    def latest_progress(self) -> ProgressNote | None:
        """The most recent progress note, or None."""
        return max(self.progress, key=lambda note: note.date, default=None)


def action_id(year: int, title: str) -> str:
    """The id an action gets when none is given: year and title as a slug.

    >>> action_id(2024, "Cameratoezicht Markt & omgeving")
    '2024-cameratoezicht-markt-omgeving'
    """
    return slug(f"{year} {title}")


class ThemeConclusion(_Model):
    """The author's conclusion and proposed adjustments for one theme in one year."""

    theme: str = Field(min_length=1)
    conclusion: str = Field(default="", max_length=MAX_TEXT)
    adjustments: list[str] = Field(default_factory=list)

    @field_validator("adjustments")
    @classmethod
    def _adjustments_clean(cls, value: list[str]) -> list[str]:
        return _clean(value)

    @property
    def is_empty(self) -> bool:
        """Whether nothing was written for this theme."""
        return not self.conclusion.strip() and not self.adjustments


class YearEvaluation(_Model):
    """The yearly evaluation of the uitvoeringsprogramma: conclusions and adjustments per theme."""

    year: int = Field(ge=2000, le=2100)
    summary: str = Field(default="", max_length=MAX_TEXT)
    themes: list[ThemeConclusion] = Field(default_factory=list)
    author: str = Field(default="", max_length=200)
    saved_at: dt.datetime | None = Field(default=None, strict=False)

    @model_validator(mode="after")
    def _unique_themes(self) -> YearEvaluation:
        ids = [item.theme for item in self.themes]
        repeated = sorted({theme for theme in ids if ids.count(theme) > 1})
        if repeated:
            raise ValueError(f"thema('s) staan meer dan eens in themes: {', '.join(repeated)}")
        return self

    def conclusion(self, theme_id: str) -> ThemeConclusion | None:
        """What was concluded for this theme, or None."""
        return next((item for item in self.themes if item.theme == theme_id), None)


class Change(StrEnum):
    """What an audit entry records."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    IMPORT = "import"


#: Dutch label of each change, for pages and the CLI.
CHANGE_LABELS = {
    Change.CREATE: "aangemaakt",
    Change.UPDATE: "gewijzigd",
    Change.DELETE: "verwijderd",
    Change.IMPORT: "geïmporteerd",
}


class Entity(StrEnum):
    """What kind of record an audit entry is about."""

    ACTION = "action"
    EVALUATION = "evaluation"


@dataclass(frozen=True)
class AuditEntry:
    """One change: when (UTC), by whom, to what, and the record before and after (JSON)."""

    at: dt.datetime
    user: str
    entity: Entity
    entity_id: str
    change: Change
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str = ""

    def changed_fields(self) -> list[str]:
        """The top-level fields whose value differs between before and after (none for a
        record that was created or deleted: then the whole record is the change)."""
        if self.before is None or self.after is None:
            return []
        before, after = self.before, self.after
        return [key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]
