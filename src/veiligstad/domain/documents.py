# SPDX-License-Identifier: EUPL-1.2
"""Qualitative sources: phenomenon and trend studies, analyses and reports.

The MJP asks for quantitative figures *and* qualitative findings. A document is registered
with its themes (programme theme ids) and areas (area codes), so it can be shown beside
the figures of the same theme and area.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DOCUMENT_ID = r"^[a-z0-9][a-z0-9\-]*$"


class DocumentKind(StrEnum):
    """What kind of qualitative source a document is."""

    FENOMEENONDERZOEK = "fenomeenonderzoek"
    TRENDONDERZOEK = "trendonderzoek"
    ANALYSE = "analyse"
    RAPPORT = "rapport"
    OVERIG = "overig"


class Confidentiality(StrEnum):
    """Who may see a document: everyone, the organisation, or named people only."""

    OPENBAAR = "openbaar"
    INTERN = "intern"
    VERTROUWELIJK = "vertrouwelijk"


def slug(text: str) -> str:
    """A document id from free text.

    >>> slug("Fenomeenonderzoek drugs 2024 — Maastricht!")
    'fenomeenonderzoek-drugs-2024-maastricht'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-") or "document"


class Document(BaseModel):
    """One registered qualitative source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(default="", pattern=r"^$|" + DOCUMENT_ID)
    title: str = Field(min_length=3)
    date: dt.date
    author: str = ""
    organisation: str = ""
    kind: DocumentKind = DocumentKind.OVERIG
    themes: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    summary: str = ""
    file: str = ""
    url: str = ""
    confidentiality: Confidentiality = Confidentiality.INTERN

    @field_validator("areas")
    @classmethod
    def _codes_upper(cls, value: list[str]) -> list[str]:
        return [code.strip().upper() for code in value]

    @field_validator("themes")
    @classmethod
    def _themes_clean(cls, value: list[str]) -> list[str]:
        return [theme.strip() for theme in value]

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("een link begint met http:// of https://")
        return value

    @model_validator(mode="after")
    def _with_id(self) -> Document:
        if not self.author and not self.organisation:
            raise ValueError("geef een auteur (author) of organisatie (organisation)")
        if not self.id:
            object.__setattr__(self, "id", slug(f"{self.title}-{self.date.year}"))  # frozen model
        return self

    @property
    def location(self) -> str:
        """Where to find it: the link, else the file."""
        return self.url or self.file
