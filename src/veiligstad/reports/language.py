# SPDX-License-Identifier: EUPL-1.2
"""The language a report is written in: Dutch (the default) or English.

A report is built and rendered inside ``using(lang)``; the report modules write every text as a
Dutch–English pair (``say``), so a text cannot lose its translation. Texts that come from the
engine and services in Dutch (verdicts, significance labels, reasons why a figure is missing)
are translated here at the edge by ``label``, from a table and a few patterns; the engine
keeps writing Dutch. Numbers and dates follow the language (``28,6`` / ``28.6``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from veiligstad import formatting

LANGUAGES = ("nl", "en")
_CURRENT: ContextVar[str] = ContextVar("report_language", default="nl")

EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@contextmanager
def using(lang: str) -> Iterator[str]:
    """Write the texts of whatever is built inside the block in ``lang`` (``nl`` or ``en``)."""
    chosen = lang if lang in LANGUAGES else "nl"
    token = _CURRENT.set(chosen)
    try:
        yield chosen
    finally:
        _CURRENT.reset(token)


def current() -> str:
    """The language of the report being built."""
    return _CURRENT.get()


def say(nl: str, en: str, **values: object) -> str:
    """The text in the current language, with ``{name}`` filled in from ``values``.

    >>> say("{n} buurten", "{n} neighbourhoods", n=3)
    '3 buurten'
    >>> with using("en"):
    ...     say("{n} buurten", "{n} neighbourhoods", n=3)
    '3 neighbourhoods'
    """
    text = en if current() == "en" else nl
    return text.format(**values) if values else text


#: Fixed Dutch texts of the engine and services (and of the definitions' enums), in English.
LABELS = {
    "significant gestegen": "significant rise",
    "significant gedaald": "significant fall",
    "geen significante verandering": "no significant change",
    "te weinig gegevens": "too little data",
    "verbeterd": "improved",
    "verslechterd": "worsened",
    "geen brongegevens geladen": "no source data loaded",
    "niet alle onderdelen van de teller zijn bekend": "not every part of the numerator is known",
    "geen bevolkingscijfer op 1 januari van dit jaar": "no population figure on 1 January of this year",
    "bevolking is nul": "population is zero",
    "teller of noemer ontbreekt": "numerator or denominator missing",
    "noemer is nul": "denominator is zero",
    "beide tellingen zijn nul": "both counts are zero",
    "marges onbekend": "margins unknown",
    "marges zijn nul": "margins are zero",
    "gepubliceerde waarde zonder telling of marge": "published value without a count or margin",
    "andere bron in basis- en laatste jaar": "another source in the baseline and latest year",
    "gebied en bovenliggend gebied passen niet bij elkaar": "area and parent area do not match",
    "geen indicatoren": "no indicators",
    "speerpunt": "priority",
    "aandachtspunt": "point of attention",
    "Speerpunt": "Priority",
    "Aandachtspunt": "Point of attention",
    "gepland": "planned",
    "lopend": "in progress",
    "afgerond": "completed",
    "vervallen": "cancelled",
    "uitgesteld": "postponed",
    "voor-na (dezelfde plek vóór en na de actie)": (
        "before-after (the same place before and after the action)"
    ),
    "vergelijkingsgebied (een vergelijkbaar gebied zonder de actie)": (
        "comparison area (a similar area without the action)"
    ),
    "procesevaluatie (is de actie uitgevoerd zoals bedoeld?)": (
        "process evaluation (was the action carried out as intended?)"
    ),
    "stadsdeel": "district",
    "wijk": "neighbourhood area",
    "buurt": "neighbourhood",
    "gemeente": "municipality",
    "land": "country",
    "Nederland": "the Netherlands",
    "berekend": "computed",
    "gepubliceerd": "published",
    "overeenkomend": "matching",
    "verschil groter dan afronding": "difference larger than rounding",
    "alleen gepubliceerd": "published only",
    "alleen berekend": "computed only",
    "geen meting (GM)": "no measurement (GM)",
    "afgeschermd": "withheld",
    "Nieuwere cijfers zijn gepubliceerd, maar staan nog niet in deze monitor.": (
        "Newer figures have been published but are not yet in this monitor."
    ),
    "De gemeente heeft nog geen nieuwer cijfer in deze monitor gezet.": (
        "The municipality has not yet put a newer figure in this monitor."
    ),
    "Het programma stelt voor dit thema geen effectindicatoren vast. Het volgt de uitvoering met de "
    "acties en met onderzoek en analyses; daarom staat hier geen oordeel in cijfers.": (
        "The programme sets no effect indicators for this theme. It follows the implementation through "
        "the actions and through research and analyses; so there is no verdict in figures here."
    ),
}

#: Dutch texts with numbers or names in them, at the start of a text: (pattern, English).
PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(
            r"(\d+) meetpunten?; minstens (\d+) nodig( \(met (\d+) kan de toets nooit p < 0,05 halen\))?"
        ),
        lambda m: (
            f"{m[1]} data point{'' if m[1] == '1' else 's'}; at least {m[2]} needed"
            + (f" (with {m[4]} the test can never reach p < 0.05)" if m[3] else "")
        ),
    ),
    (
        re.compile(r"alleen de jaren vanaf (.+?) \(grenswijziging: ([^)]+)\)"),
        lambda m: f"only the years from {m[1]} (boundary change: {m[2]})",
    ),
    (
        re.compile(r"grenswijziging: (.+?); niet te vergelijken"),
        lambda m: f"boundary change: {m[1]}; not comparable",
    ),
    (
        re.compile(r"basisjaar (\d+) ontbreekt; dichtstbijzijnde eerdere jaar gebruikt"),
        lambda m: f"baseline year {m[1]} missing; nearest earlier year used",
    ),
    (re.compile(r"geen brongegevens geladen \(([^)]+)\)"), lambda m: f"no source data loaded ({m[1]})"),
    (re.compile(r"(\d+) van (\d+) indicator(?:en)? (.+)"), lambda m: _theme_verdict(m[1], m[2], m[3])),
)

_THEME_PARTS = {
    "verbeterd": "improved",
    "verslechterd": "worsened",
    "zonder significante verandering": "without significant change",
    "nog niet te beoordelen": "cannot be judged yet",
}


def _theme_verdict(first: str, total: str, rest: str) -> str:
    """``2 van 3 indicatoren verbeterd, 1 zonder …`` in English."""
    parts = rest.split(", ")
    head = _THEME_PARTS.get(parts[0], parts[0])
    noun = "indicator" if total == "1" else "indicators"
    tail = []
    for part in parts[1:]:
        count, _, what = part.partition(" ")
        tail.append(f"{count} {_THEME_PARTS.get(what, what)}")
    return ", ".join([f"{first} of {total} {noun} {head}", *tail])


def label(text: str) -> str:
    """A Dutch text from the engine or services in the current language (unchanged in Dutch).

    Several reasons joined by ``; `` are translated one by one.

    >>> with using("en"):
    ...     label("te weinig gegevens"), label("3 meetpunten; minstens 5 nodig; marges onbekend")
    ('too little data', '3 data points; at least 5 needed; margins unknown')
    >>> with using("en"):
    ...     label("2 van 3 indicatoren verbeterd, 1 zonder significante verandering")
    '2 of 3 indicators improved, 1 without significant change'
    >>> label("te weinig gegevens")
    'te weinig gegevens'
    """
    if current() != "en" or not text:
        return text
    if text in LABELS:
        return LABELS[text]
    for pattern, english in PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        rest = text[match.end() :]
        if not rest:
            return english(match)
        if rest.startswith("; "):
            return f"{english(match)}; {label(rest[2:])}"
    if "; " in text:
        return "; ".join(label(part) for part in text.split("; "))
    return text


def number(value: float | int | None, decimals: int = 0) -> str:
    """``1.234,5`` in Dutch, ``1,234.5`` in English; a dash when empty."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return formatting.MISSING
    if current() != "en":
        return formatting.number(value, decimals)
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text


def signed(value: float | None, decimals: int = 1) -> str:
    """A change with its sign: ``+1,2`` / ``+1.2``, ``−0,8`` / ``−0.8``."""
    if value is None or not math.isfinite(value):
        return formatting.MISSING
    text = number(abs(value), decimals)
    if text.strip("0,.") == "":
        return text
    return ("+" if value > 0 else "−") + text


def interval(low: float | None, high: float | None, decimals: int = 1) -> str:
    """A 95% interval as ``[27,7 – 29,6]``; empty when unknown."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    return f"[{number(low, decimals)} – {number(high, decimals)}]"


def date(day: dt.date) -> str:
    """``31 januari 2023`` / ``31 January 2023``.

    >>> with using("en"):
    ...     date(dt.date(2023, 1, 31))
    '31 January 2023'
    """
    if current() != "en":
        return formatting.date(day)
    return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"
