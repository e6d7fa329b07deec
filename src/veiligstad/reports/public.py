# SPDX-License-Identifier: EUPL-1.2
"""Publieksversie: the programme and its results for residents, in plain Dutch (B1) or English.

Short sentences, every term explained (the woordenlijst, ``definitions.glossary``), everyday
names for indicators where the catalogue has one ("inbraken, straatroven en overvallen"),
only figures after disclosure control (a count below the threshold is "< 5" and nothing is
derived from it), the extreme figures of areas with hardly any inhabitants marked as such,
and the same accessible layout as the other reports (headings, alt texts, data tables,
contrast, ``lang``).
"""

from __future__ import annotations

import pandas as pd

from veiligstad.definitions.glossary import Term, glossary
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.engine import disclosure
from veiligstad.reports import language
from veiligstad.reports.figures import (
    cell,
    computed_years,
    number,
    table,
    trend_chart,
    value_map,
    yearly,
)
from veiligstad.reports.language import say
from veiligstad.reports.model import Block, KeyFigure, KeyFigures, Paragraph, Section, Terms
from veiligstad.reports.sections import sources_section
from veiligstad.reports.view import View
from veiligstad.services import monitor, trends
from veiligstad.services.hotspots import DEFAULT_MIN_POPULATION
from veiligstad.services.reporting import hotspot_target

#: Plain explanations of the Maastricht themes, Dutch and English (other programmes show the
#: theme's own text).
THEME_TEXT = {
    "ondermijnende-criminaliteit": (
        "Criminelen die gewone bedrijven, panden of mensen gebruiken voor hun misdaad. Bijvoorbeeld "
        "drugshandel vanuit een winkel, of geld witwassen.",
        "Criminals who use ordinary businesses, buildings or people for their crimes. For example drug "
        "dealing from a shop, or money laundering.",
    ),
    "overlast-veiligheidsbeleving": (
        "Last hebben van anderen op straat, zoals lawaai, vernielingen of drugs. En hoe veilig mensen zich "
        "voelen in hun eigen buurt.",
        "Being bothered by others in the street, such as noise, vandalism or drugs. And how safe people "
        "feel in their own neighbourhood.",
    ),
    "veelvoorkomende-criminaliteit-hic": (
        "Misdaad die vaak gebeurt, zoals fietsendiefstal en inbraak. En misdaad met grote gevolgen voor "
        "slachtoffers, zoals een overval of straatroof.",
        "Crime that happens often, such as bicycle theft and burglary. And crime with serious consequences "
        "for victims, such as a hold-up or street robbery.",
    ),
    "verbinding-zorg-veiligheid": (
        "Sommige mensen hebben hulp nodig en zorgen ook voor overlast. Dan werken zorg, gemeente en "
        "politie samen.",
        "Some people need help and also cause nuisance. Then care workers, the municipality and the "
        "police work together.",
    ),
    "gedigitaliseerde-criminaliteit": (
        "Oplichting en fraude via internet, e-mail of telefoon.",
        "Scams and fraud via the internet, e-mail or telephone.",
    ),
    "maatschappelijke-onrust-openbare-orde": (
        "Rust en orde op straat. Ook bij grote evenementen, demonstraties of spanningen in de stad.",
        "Peace and order in the street. Also during large events, demonstrations or tensions in the city.",
    ),
}

#: Plain words for a verdict (Dutch, English).
PLAIN = {
    monitor.IMPROVED: ("beter geworden", "got better"),
    monitor.WORSENED: ("slechter geworden", "got worse"),
    "geen significante verandering": ("ongeveer gelijk gebleven", "stayed about the same"),
    "te weinig gegevens": ("nog niet te zeggen", "cannot say yet"),
}

#: The words the publieksversie uses, in the order of its list of words (``definitions.glossary``).
GLOSSARY_TERMS = (
    "per-1000-inwoners",
    "schaalscore",
    "hic",
    "groter-dan-toeval",
    "nog-niet-te-zeggen",
    "kleiner-dan-5",
    "afgeschermd",
    "weinig-inwoners",
    "haaldelict",
    "buurt-wijk-stadsdeel",
    "veiligheidsmonitor",
    "basisjaar",
    "speerpunt",
)


def terms(*term_ids: str) -> tuple[tuple[str, str], ...]:
    """Terms with their explanation in the report's language."""
    lang = language.current()
    chosen: list[Term] = glossary().pick(*term_ids)
    return tuple((t.text("term", lang), t.text("explanation", lang)) for t in chosen)


def about(view: View) -> Section:
    """What the programme is and what this document is, in a few short sentences."""
    programme = view.programme
    lines = [
        say(
            "De gemeente {city} wil dat iedereen veilig is en zich veilig voelt. Daarom is er een plan: "
            "het {title}.",
            "The municipality of {city} wants everyone to be safe and to feel safe. That is why there is "
            "a plan: the {title}.",
            city=view.city,
            title=programme.title,
        ),
    ]
    if programme.decision is not None:
        lines.append(
            say(
                "De gemeenteraad heeft dit plan op {date} vastgesteld.",
                "The municipal council adopted this plan on {date}.",
                date=language.date(programme.decision.date),
            )
        )
    lines += [
        say(
            "In dit stuk leest u hoe het gaat. De cijfers gaan tot en met {year}.",
            "This document tells you how things are going. The figures go up to and including {year}.",
            year=view.year,
        ),
        say(
            "We vergelijken met {year}. Dat is het basisjaar van het plan.",
            "We compare with {year}. That is the baseline year of the plan.",
            year=programme.baseline_year,
        ),
        say(
            "Moeilijke woorden leggen we uit in het hoofdstuk 'Uitleg van woorden'.",
            "Difficult words are explained in the chapter 'Explanation of words'.",
        ),
    ]
    return Section(
        "over", say("Waar gaat dit over?", "What is this about?"), tuple(Paragraph(line) for line in lines)
    )


def themes(view: View) -> Section:
    """The themes, each with a plain explanation."""
    english = language.current() == "en"
    items = tuple(
        (
            t.name,
            THEME_TEXT[t.id][1 if english else 0]
            if t.id in THEME_TEXT
            else (t.description or language.label(t.kind.value)),
        )
        for t in view.programme.themes
    )
    intro = Paragraph(
        say(
            "Het plan heeft {n} onderwerpen. Dit zijn ze:",
            "The plan has {n} subjects. These are:",
            n=len(items),
        )
    )
    return Section(
        "onderwerpen", say("Waar werken we aan?", "What are we working on?"), (intro, Terms(items))
    )


def _plain(row: monitor.StatusRow) -> str:
    nl, en = PLAIN.get(monitor.verdict(row.indicator, row.comparison), PLAIN["te weinig gegevens"])
    return say(nl, en)


def _since(row: monitor.StatusRow) -> str:
    """One sentence: how it went since the baseline year, in plain words."""
    if row.latest_year == row.baseline_year:
        later = (
            language.label(row.remedy.public())
            if row.remedy
            else say(
                "Een nieuwer cijfer staat nog niet in deze monitor.",
                "A newer figure is not yet in this monitor.",
            )
        )
        return say("In {year}. {later}", "In {year}. {later}", year=row.latest_year, later=later)
    return say(
        "In {year}. Sinds {baseline}: {plain}.",
        "In {year}. Since {baseline}: {plain}.",
        year=row.latest_year,
        baseline=row.baseline_year,
        plain=_plain(row),
    )


def _name(indicator: Indicator) -> str:
    """The everyday name for the public."""
    return indicator.public_name()


def figures(view: View) -> Section:
    """Registered crime: the latest figures in words, a chart and a table."""
    crime = [r for r in view.status if r.indicator.kind is not IndicatorKind.SURVEY and r.latest_year]
    blocks: list[Block] = [
        Paragraph(
            say(
                "De politie telt alle misdrijven die worden gemeld of die ze zelf ziet. Dit zijn de cijfers.",
                "The police count every crime that is reported or that they see themselves. These are the "
                "figures.",
            )
        ),
    ]
    boxes = []
    for row in sorted(crime, key=lambda r: -(r.latest_year or 0))[:3]:
        decimals = row.indicator.decimals
        boxes.append(
            KeyFigure(
                _name(row.indicator), number(row.latest_value, decimals), row.indicator.unit, _since(row)
            )
        )
    if boxes:
        blocks.append(KeyFigures(tuple(boxes)))
    rows = [
        (
            cell(_name(r.indicator), note=r.indicator.unit),
            cell(number(r.latest_value, r.indicator.decimals)),
            cell(str(r.latest_year)),
            cell(_plain(r)),
        )
        for r in crime
    ]
    if rows:
        blocks.append(
            table(
                "misdaad-tabel",
                say("Misdaad in de stad: de nieuwste cijfers", "Crime in the city: the newest figures"),
                (
                    say("Onderwerp", "Subject"),
                    say("Cijfer", "Figure"),
                    say("Jaar", "Year"),
                    say("Hoe gaat het?", "How is it going?"),
                ),
                rows,
                (False, True, False, False),
            )
        )
    longest = max(
        crime,
        key=lambda r: computed_years(yearly(view.values, r.indicator.id, view.municipality, view.year)),
        default=None,
    )
    if longest is not None:
        series = yearly(view.values, longest.indicator.id, view.municipality, view.year)
        if computed_years(series) >= 2:
            report = trends.report_from_values(view.values, longest.indicator, view.municipality)
            blocks.append(
                trend_chart("misdaad-trend", longest.indicator, series, view.city, report.trend, plain=True)
            )
    if any(r.indicator.haaldelict for r in crime):
        blocks.append(
            Paragraph(
                say(
                    "Let op: bij een haaldelict kan een hoger cijfer betekenen dat de politie beter zoekt. "
                    "Zie 'Uitleg van woorden'.",
                    "Note: for an enforcement-driven offence a higher figure can mean that the police are "
                    "looking harder. See 'Explanation of words'.",
                ),
                "callout",
            )
        )
    return Section(
        "misdaad",
        say("Hoeveel misdaad is er in {city}?", "How much crime is there in {city}?", city=view.city),
        tuple(blocks),
    )


def feelings(view: View) -> Section:
    """How safe residents feel (the Veiligheidsmonitor)."""
    title = say("Hoe veilig voelen inwoners zich?", "How safe do residents feel?")
    survey = [r for r in view.status if r.indicator.kind is IndicatorKind.SURVEY and r.latest_year]
    if not survey:
        return Section(
            "gevoel",
            title,
            (Paragraph(say("Hierover zijn nog geen cijfers.", "There are no figures on this yet.")),),
        )
    boxes = tuple(
        KeyFigure(
            _name(r.indicator), number(r.latest_value, r.indicator.decimals), r.indicator.unit, _since(r)
        )
        for r in survey
    )
    intro = Paragraph(
        say(
            "Dit weten we uit de Veiligheidsmonitor. Dat is een vragenlijst die inwoners om het jaar "
            "invullen.",
            "We know this from the Veiligheidsmonitor (Safety Monitor). That is a questionnaire residents "
            "fill in every other year.",
        )
    )
    return Section("gevoel", title, (intro, KeyFigures(boxes)))


def _count_sentence(count: int) -> str:
    if count == 1:
        return say("Dat geldt voor 1 buurt.", "This applies to 1 neighbourhood.")
    return say("Dat geldt voor {n} buurten.", "This applies to {n} neighbourhoods.", n=count)


def _hidden(count: int) -> str:
    return "" if count == 0 else " " + _count_sentence(count)


def _also_withheld(count: int) -> str:
    if count == 0:
        return ""
    return " " + also_withheld() + " " + _count_sentence(count)


def also_withheld() -> str:
    """Secondary suppression in one plain sentence (``engine.disclosure``)."""
    return say(
        "Soms laten we ook een ander, groter aantal weg, zodat het kleine aantal niet alsnog uit te "
        "rekenen is. Dan staat er 'afgeschermd'.",
        "Sometimes we also leave out another, larger number, so that the small number cannot be worked "
        "out after all. Then it says 'withheld'.",
    )


def few_inhabitants(
    rows: pd.DataFrame, decimals: int, minimum: int = DEFAULT_MIN_POPULATION
) -> Paragraph | None:
    """The 'weinig inwoners' note: areas with a figure but fewer than ``minimum`` inhabitants,
    whose figure per 1.000 inhabitants can be extreme (one crime counts heavily), by name."""
    if "denominator" not in rows.columns:
        return None
    small = rows[rows["value"].notna() & rows["denominator"].notna() & (rows["denominator"] < minimum)]
    if small.empty:
        return None
    small = small.sort_values("value", ascending=False)
    named = ", ".join(f"{r.area_name} ({number(r.value, decimals)})" for r in small.head(5).itertuples())
    if len(small) > 5:
        named += say(" en {n} andere", " and {n} others", n=len(small) - 5)
    return Paragraph(
        say(
            "Weinig inwoners: {named} {verb} minder dan {minimum} inwoners. Daar telt één misdrijf heel "
            "zwaar, dus het cijfer per 1.000 inwoners kan erg hoog zijn, ook als er weinig gebeurt. Het zegt "
            "dan weinig over hoe veilig het er is.",
            "Few inhabitants: {named} {verb_en} fewer than {minimum} inhabitants. One crime counts very "
            "heavily there, so the figure per 1,000 inhabitants can be very high even when little happens. "
            "It then says little about how safe it is.",
            named=named,
            verb="heeft" if len(small) == 1 else "hebben",
            verb_en="has" if len(small) == 1 else "have",
            minimum=language.number(minimum),
        ),
        "callout",
    )


def neighbourhoods(view: View) -> Section:
    """The latest buurt figures on a map and in a table; small counts are '< 5'; areas with very
    few inhabitants are named with their figure."""
    target = hotspot_target(view.snapshot, view.year)
    title = say("Cijfers per buurt", "Figures per neighbourhood")
    if target is None:
        return Section(
            "buurten",
            title,
            (
                Paragraph(
                    say("Er zijn nog geen cijfers per buurt.", "There are no figures per neighbourhood yet.")
                ),
            ),
        )
    indicator = view.indicator(target[0])
    assert indicator is not None
    buurten = set(view.snapshot.own_areas("buurt")["code"])
    values = view.values
    rows = values[
        (values["indicator_id"] == indicator.id)
        & (values["period"] == target[1])
        & values["area_code"].isin(buurten)
    ]
    threshold = view.snapshot.threshold
    hidden = int((rows["suppressed"].astype(bool) & (rows["disclosure"] != disclosure.PROTECTED)).sum())
    protected = int((rows["disclosure"] == disclosure.PROTECTED).sum())
    blocks: list[Block] = [
        Paragraph(
            say(
                "Hoe is het in uw buurt? Hier ziet u {name} {unit} in {period}, per buurt.",
                "How is it in your neighbourhood? Here you see {name} {unit} in {period}, per neighbourhood.",
                name=_name(indicator).lower(),
                unit=indicator.unit,
                period=target[1],
            )
        ),
        Paragraph(
            say(
                "Heeft een buurt minder dan {t} misdrijven? Dan staat er '< {t}'. Zo beschermen we de "
                "privacy van slachtoffers.",
                "Does a neighbourhood have fewer than {t} crimes? Then it says '< {t}'. This protects the "
                "privacy of victims.",
                t=threshold,
            )
            + _hidden(hidden)
            + _also_withheld(protected)
        ),
    ]
    note = few_inhabitants(rows, indicator.decimals)
    if note is not None:
        blocks.append(note)
    blocks.append(value_map("buurten-kaart", view.snapshot, rows, indicator, "buurt", target[1], plain=True))
    return Section("buurten", title, tuple(blocks))


def actions(view: View) -> Section:
    """What the municipality does: the actions, in plain words."""
    title = say("Wat doet de gemeente?", "What is the municipality doing?")
    found = view.actions
    if not found:
        text = say(
            "Er zijn nog geen acties ingevoerd. Zodra de gemeente acties invoert, ziet u hier wat er gebeurt "
            "en hoe ver het is.",
            "No actions have been entered yet. As soon as the municipality enters actions, you will see here "
            "what is happening and how far along it is.",
        )
        return Section("acties", title, (Paragraph(text),))
    rows = [(cell(a.title), cell(language.label(a.status.value)), cell(str(a.year))) for a in found]
    return Section(
        "acties",
        title,
        (
            Paragraph(
                say(
                    "Dit zijn de acties van de gemeente en haar partners, en hoe ver ze zijn.",
                    "These are the actions of the municipality and its partners, and how far along they are.",
                )
            ),
            table(
                "acties-tabel",
                say("Acties", "Actions"),
                (say("Actie", "Action"), say("Hoe ver?", "How far?"), say("Jaar", "Year")),
                rows,
            ),
        ),
    )


def build(view: View) -> tuple[Section, ...]:
    """The sections of the public version."""
    return (
        about(view),
        themes(view),
        figures(view),
        feelings(view),
        neighbourhoods(view),
        actions(view),
        Section(
            "woorden", say("Uitleg van woorden", "Explanation of words"), (Terms(terms(*GLOSSARY_TERMS)),)
        ),
        sources_section(view, "bronnen", plain=True),
    )
