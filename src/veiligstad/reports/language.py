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
from veiligstad.spatial import emerging

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
    "wijk": "ward",
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
    "geen cijfer": "no figure",
    "geen streefwaarde vastgesteld": "no target set",
    "haaldelict": "enforcement-driven offence",
    "Nieuwere cijfers zijn gepubliceerd, maar staan nog niet in deze monitor.": (
        "Newer figures have been published but are not yet in this monitor."
    ),
    "De gemeente heeft nog geen nieuwer cijfer in deze monitor gezet.": (
        "The municipality has not yet put a newer figure in this monitor."
    ),
    "De bron publiceert dit wel, maar deze cijfers staan nog niet in deze monitor.": (
        "The source does publish this, but these figures are not yet in this monitor."
    ),
    "De gemeente heeft deze cijfers per gebied nog niet in deze monitor gezet.": (
        "The municipality has not yet put these figures per area in this monitor."
    ),
    "De beheerder haalt ze op uit de open bron.": "The administrator fetches them from the open source.",
    "Ze komen erin met het invulsjabloon.": "They come in with the fill-in template.",
    "Het programma stelt voor dit thema geen effectindicatoren vast. Het volgt de uitvoering met de "
    "acties en met onderzoek en analyses; daarom staat hier geen oordeel in cijfers.": (
        "The programme sets no effect indicators for this theme. It follows the implementation through "
        "the actions and through research and analyses; so there is no verdict in figures here."
    ),
}

LABELS.update(
    {
        "hotspot 99%": "hotspot 99%",
        "hotspot 95%": "hotspot 95%",
        "hotspot 90%": "hotspot 90%",
        "coldspot 90%": "coldspot 90%",
        "coldspot 95%": "coldspot 95%",
        "coldspot 99%": "coldspot 99%",
        "geen significant patroon": "no significant pattern",
        "niet te bepalen": "cannot be determined",
        "niet geanalyseerd": "not analysed",
        "geen patroon": "no pattern",
        "cijfer per inwoners": "rate per inhabitants",
        "aantal registraties": "number of registrations",
        "waarde": "value",
        "z en p niet getoond: afgeschermd aantal in de buurt": "z and p not shown: withheld count nearby",
        "Een hotspot is een buurteffect: het gebied en zijn buren hebben samen een hogere waarde dan je "
        "bij toeval verwacht (Getis–Ord Gi*). Een gebied met een hoge waarde tussen lage buren is dus "
        "geen hotspot; een gebied met een gemiddelde waarde tussen hoge buren kan het wel zijn.": (
            "A hotspot is a neighbourhood effect: the area and its neighbours together have a higher value "
            "than you would expect by chance (Getis–Ord Gi*). An area with a high value among low neighbours "
            "is therefore not a hotspot; an area with an average value among high neighbours can be one."
        ),
    }
)
LABELS.update(
    {
        "significant hoger": "significantly higher",
        "significant lager": "significantly lower",
        "geen significant verschil": "no significant difference",
        "geen gegevens": "no data",
        "geen tegenstrijdigheid": "no contradiction",
        "criminaliteit gedaald, veiligheidsgevoel verslechterd": "crime fell, feeling of safety worsened",
        "criminaliteit gestegen, veiligheidsgevoel verbeterd": "crime rose, feeling of safety improved",
        "Geen veiligheidsbeleving gemeten voor dit gebied.": "No feelings of safety measured for this area.",
        "Veiligheidsbeleving is wel gemeten, maar niet in een jaar waarvan ook de geregistreerde "
        "criminaliteit van dit gebied bekend is; ze zijn daarom niet naast elkaar te zetten.": (
            "Feelings of safety were measured, but not in a year for which the registered crime of this "
            "area is also known; so they cannot be set side by side."
        ),
    }
)
LABELS.update(
    {
        "Inwoners (1 januari)": "Inhabitants (1 January)",
        "Woningen": "Dwellings",
        "Oppervlakte": "Area",
        "Inwoners van 0 tot 15 jaar": "Inhabitants aged 0 to 15",
        "Inwoners van 15 tot 25 jaar": "Inhabitants aged 15 to 25",
        "Inwoners van 25 tot 45 jaar": "Inhabitants aged 25 to 45",
        "Inwoners van 45 tot 65 jaar": "Inhabitants aged 45 to 65",
        "Inwoners van 65 jaar en ouder": "Inhabitants aged 65 and over",
        "Koopwoningen": "Owner-occupied dwellings",
        "Gemiddelde WOZ-waarde": "Average WOZ value (property value)",
        "Nettoarbeidsparticipatie (15-75 jaar)": "Net labour participation (aged 15-75)",
        "Hbo of wo als hoogste opleiding (15-75 jaar)": (
            "Higher professional or university education (aged 15-75)"
        ),
        "Inwoners met een laag inkomen (landelijk laagste 40%)": (
            "Inhabitants with a low income (lowest 40% nationally)"
        ),
        "Inwoners met een hoog inkomen (landelijk hoogste 20%)": (
            "Inhabitants with a high income (highest 20% nationally)"
        ),
        "aantal": "number",
        "x 1.000 euro": "x 1,000 euros",
    }
)
LABELS.update({category.value: category.code.replace("_", " ") for category in emerging.Category})

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
    (re.compile(r"weinig inwoners \(< (\d+)\)"), lambda m: f"few inhabitants (< {m[1]})"),
    (
        re.compile(r"De bron publiceert dit niet per (\w+)\."),
        lambda m: f"The source does not publish this per {LABELS.get(m[1], m[1])}.",
    ),
    (
        re.compile(r"Eigen cijfers per (\w+) kunnen erin met het invulsjabloon\."),
        lambda m: f"Own figures per {LABELS.get(m[1], m[1])} can be added with the fill-in template.",
    ),
    (
        re.compile(r"niet-woongebied: minder dan (\d+) inwoners, niet geanalyseerd bij cijfers per inwoner"),
        lambda m: (
            f"non-residential area: fewer than {m[1]} inhabitants, not analysed for rates per inhabitant"
        ),
    ),
    (
        re.compile(
            r"Te weinig perioden voor een analyse van opkomende hotspots: (\d+), minimaal (\d+) nodig\."
        ),
        lambda m: f"Too few periods for an analysis of emerging hotspots: {m[1]}, at least {m[2]} needed.",
    ),
    (
        re.compile(r"Er zijn tot en met (\d+) geen buurtcijfers om hotspots in te zoeken\."),
        lambda m: f"There are no neighbourhood figures up to and including {m[1]} to look for hotspots in.",
    ),
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


#: The engine's technical notes on a test (dispersion φ, funnel limits), word for word, longest first.
_TECHNICAL = (
    (
        "trechtergrens met overdispersie (Spiegelhalter 2005: additieve random effects τ²)",
        "funnel limit with overdispersion (Spiegelhalter 2005: additive random effects τ²)",
    ),
    (
        "quasi-Poisson-scoretoets (variantie = φ × gemiddelde)",
        "quasi-Poisson score test (variance = φ × mean)",
    ),
    ("niet te schatten; Poisson-variatie aangenomen", "cannot be estimated; Poisson variation assumed"),
    ("geschat uit de z-scores van", "estimated from the z-scores of"),
    ("gemeenten in de grootteklasse", "municipalities in the size class"),
    ("gemeenten in Nederland", "municipalities in the Netherlands"),
    ("gepoold: mediaan van", "pooled: median of"),
    ("gemeenten met een eigen reeks", "municipalities with their own series"),
    ("inclusief de vergeleken jaren", "including the compared years"),
    ("eigen reeks", "own series"),
    ("winsorisatie", "winsorisation"),
    (" zonder ", " without "),
    (" en ", " and "),
    (" jaar)", " years)"),
    (" jaar,", " years,"),
)


def technical(text: str) -> str:
    """An engine note on a test (``φ = 7,5 (eigen reeks …)``) in English, numbers included.

    >>> technical("φ = 104,6 (eigen reeks 2010–2024 zonder 2017 en 2018, 12 jaar)")
    'φ = 104.6 (own series 2010–2024 without 2017 and 2018, 12 years)'
    """
    for dutch, english in _TECHNICAL:
        text = text.replace(dutch, english)
    return re.sub(r"(\d),(\d)", r"\1.\2", text)


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
    if text.startswith(("φ = ", "trechtergrens", "quasi-Poisson", "niet te schatten")):
        return technical(text)
    if "; " in text:
        return "; ".join(label(part) for part in text.split("; "))
    return text


def label_in(text: str, lang: str) -> str:
    """:func:`label` in ``lang``, for a page that is not built inside :func:`using`.

    >>> label_in("weinig inwoners (< 200)", "en"), label_in("weinig inwoners (< 200)", "nl")
    ('few inhabitants (< 200)', 'weinig inwoners (< 200)')
    """
    with using(lang):
        return label(text)


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
