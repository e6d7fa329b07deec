# SPDX-License-Identifier: EUPL-1.2
"""The content of a report as data: sections of paragraphs, tables and charts.

A report is built once (``reports.document``) and rendered twice from the same templates:
as an HTML page and, through WeasyPrint, as a PDF. Everything in the model is already text
for people (Dutch number and date formatting is done when the model is built), so the
templates only lay it out. Every chart carries its alt text and its data table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from veiligstad.errors import NotFound
from veiligstad.reports.language import say


class ReportKind(StrEnum):
    """The four reports; the value is the command-line name."""

    PROGRESS = "progress"
    MIDTERM = "midterm"
    AREA = "area"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        """Name in the report's language: ``Voortgangsrapportage`` / ``Progress report`` …"""
        return say(_LABELS[self][0], _LABELS_EN[self])

    @property
    def slug(self) -> str:
        """Dutch path name on the website: ``voortgangsrapportage`` …"""
        return _LABELS[self][1]

    @property
    def summary(self) -> str:
        """One sentence on what the report is for."""
        return _LABELS[self][2]

    @classmethod
    def parse(cls, text: str) -> ReportKind:
        """The kind from its English name or Dutch slug; NotFound lists the choices."""
        wanted = text.strip().lower()
        for kind in cls:
            if wanted in (kind.value, kind.slug):
                return kind
        choices = ", ".join(f"{k.value} ({k.label.lower()})" for k in cls)
        raise NotFound(f"Onbekende soort rapport '{text}'.", hint=f"Kies uit: {choices}.")


_LABELS = {
    ReportKind.PROGRESS: (
        "Voortgangsrapportage",
        "voortgangsrapportage",
        "Voor de begroting en jaarrekening (P&C-cyclus): per thema de indicatoren tegen het basisjaar, "
        "met significantie, en de stand van de acties.",
    ),
    ReportKind.MIDTERM: (
        "Tussentijdse evaluatie",
        "tussentijdse-evaluatie",
        "Halverwege het programma: trends sinds het basisjaar per thema en gebied, hotspots, "
        "criminaliteit naast veiligheidsgevoel, acties en conclusies.",
    ),
    ReportKind.AREA: (
        "Gebiedsprofiel",
        "gebiedsprofiel",
        "Eén stadsdeel, wijk of buurt: kerncijfers, alle indicatoren tegen de hele gemeente en een kaart.",
    ),
    ReportKind.PUBLIC: (
        "Publieksversie",
        "publieksversie",
        "Voor inwoners, in eenvoudige taal: wat de gemeente doet en hoe veilig de stad is.",
    ),
}

_LABELS_EN = {
    ReportKind.PROGRESS: "Progress report",
    ReportKind.MIDTERM: "Mid-term evaluation",
    ReportKind.AREA: "Area profile",
    ReportKind.PUBLIC: "Public version",
}


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, an optional style (``signal-up``, ``muted`` …) and a note
    shown smaller on a second line (the year of a figure, the reason for a label)."""

    text: str
    css: str = ""
    note: str = ""


@dataclass(frozen=True)
class Table:
    """A data table; the first column names the row (``<th scope="row">``)."""

    id: str
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: tuple[bool, ...] = ()
    note: str = ""

    def is_numeric(self, index: int) -> bool:
        """Whether column ``index`` holds figures (right-aligned)."""
        return index < len(self.numeric) and self.numeric[index]


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite chart with its caption, its alt text and its data table."""

    id: str
    caption: str
    alt: str
    spec: dict[str, Any]
    table: Table
    wide: bool = False  # maps: the table goes below the chart, not beside it


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``css`` is ``lead``, ``note`` or ``callout`` (or empty)."""

    text: str
    css: str = ""


@dataclass(frozen=True)
class Bullets:
    """A list of short statements."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Terms:
    """Words and their explanation (a definition list)."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class KeyFigure:
    """A big figure with what it is and one sentence on what it means."""

    label: str
    value: str
    unit: str
    note: str


@dataclass(frozen=True)
class KeyFigures:
    """A row of key figures."""

    items: tuple[KeyFigure, ...]


Block = Paragraph | Bullets | Terms | KeyFigures | Table | Chart


@dataclass(frozen=True)
class Section:
    """A numbered part of the report, with sub-sections one heading level lower."""

    id: str
    title: str
    blocks: tuple[Block, ...] = ()
    children: tuple[Section, ...] = ()
    new_page: bool = False


@dataclass(frozen=True)
class Report:
    """A whole report: title page facts, sections and the sources."""

    kind: ReportKind
    title: str
    subtitle: str
    municipality: str
    programme: str
    built_at: dt.datetime
    data_until: str
    newest: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    public: bool
    year: int
    area_code: str = ""
    author: str = ""
    keywords: tuple[str, ...] = field(default_factory=tuple)
    lang: str = "nl"

    def outline(self) -> list[tuple[int, Section]]:
        """Every section with its depth (1 = top), in reading order: the table of contents."""
        out: list[tuple[int, Section]] = []

        def walk(sections: tuple[Section, ...], depth: int) -> None:
            for section in sections:
                out.append((depth, section))
                walk(section.children, depth + 1)

        walk(self.sections, 1)
        return out

    def charts(self) -> list[Chart]:
        """Every chart in the report, in reading order."""
        return [b for _, s in self.outline() for b in s.blocks if isinstance(b, Chart)]

    @property
    def file_stem(self) -> str:
        """A file name without extension: ``voortgangsrapportage-2024``."""
        parts = [self.kind.slug, str(self.year)]
        if self.area_code:
            parts.insert(1, self.area_code.lower())
        return "-".join(parts)
