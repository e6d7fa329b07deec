# SPDX-License-Identifier: EUPL-1.2
"""Publieksversie: the programme and its results for residents, in plain Dutch (B1).

Short sentences, every term explained, only figures after disclosure control (a count
below the threshold is "< 5" and nothing is derived from it), and the same accessible
layout as the other reports (headings, alt texts, data tables, contrast, ``lang="nl"``).
"""

from __future__ import annotations

from veiligstad import formatting
from veiligstad.domain.indicators import IndicatorKind
from veiligstad.engine import disclosure
from veiligstad.reports.figures import (
    cell,
    computed_years,
    number,
    table,
    trend_chart,
    value_map,
    yearly,
)
from veiligstad.reports.model import Block, KeyFigure, KeyFigures, Paragraph, Section, Terms
from veiligstad.reports.sections import sources_section
from veiligstad.reports.view import View
from veiligstad.services import monitor, trends
from veiligstad.services.reporting import hotspot_target

#: Plain explanations of the Maastricht themes (other programmes show the theme's own text).
THEME_TEXT = {
    "ondermijnende-criminaliteit": (
        "Criminelen die gewone bedrijven, panden of mensen gebruiken voor hun misdaad. Bijvoorbeeld "
        "drugshandel vanuit een winkel, of geld witwassen."
    ),
    "overlast-veiligheidsbeleving": (
        "Last hebben van anderen op straat, zoals lawaai, vernielingen of drugs. En hoe veilig mensen zich "
        "voelen in hun eigen buurt."
    ),
    "veelvoorkomende-criminaliteit-hic": (
        "Misdaad die vaak gebeurt, zoals fietsendiefstal en inbraak. En misdaad met grote gevolgen voor "
        "slachtoffers, zoals een overval of straatroof."
    ),
    "verbinding-zorg-veiligheid": (
        "Sommige mensen hebben hulp nodig en zorgen ook voor overlast. Dan werken zorg, gemeente en "
        "politie samen."
    ),
    "gedigitaliseerde-criminaliteit": "Oplichting en fraude via internet, e-mail of telefoon.",
    "maatschappelijke-onrust-openbare-orde": (
        "Rust en orde op straat. Ook bij grote evenementen, demonstraties of spanningen in de stad."
    ),
}

#: Plain words for a verdict.
PLAIN = {
    monitor.IMPROVED: "beter geworden",
    monitor.WORSENED: "slechter geworden",
    "geen significante verandering": "ongeveer gelijk gebleven",
    "te weinig gegevens": "nog niet te zeggen",
}

#: Secondary suppression in one plain sentence (``engine.disclosure``).
ALSO_WITHHELD = (
    "Soms laten we ook een ander, groter aantal weg, zodat het kleine aantal niet alsnog uit te "
    "rekenen is. Dan staat er 'afgeschermd'."
)

GLOSSARY = (
    (
        "Per 1.000 inwoners",
        "Het aantal gedeeld door het aantal inwoners, keer 1.000. Zo kunt u een grote en een "
        "kleine buurt met elkaar vergelijken.",
    ),
    (
        "Groter dan toeval",
        "Cijfers gaan elk jaar een beetje op en neer. We zeggen alleen dat iets beter of "
        "slechter is geworden als het verschil groter is dan dat toeval. Anders staat er 'ongeveer gelijk "
        "gebleven'.",
    ),
    ("Nog niet te zeggen", "Er zijn te weinig cijfers om te zeggen of het beter of slechter gaat."),
    (
        "< 5",
        "Minder dan 5. Bij zulke kleine aantallen laten we geen cijfer zien. Zo kan niemand slachtoffers "
        "of daders herkennen.",
    ),
    ("Afgeschermd", ALSO_WITHHELD.split(" Dan staat")[0]),
    (
        "Haaldelict",
        "Een misdrijf dat de politie vooral ziet als ze er zelf naar zoekt, zoals drugshandel. Meer "
        "van zulke misdrijven kan betekenen dat de politie beter zoekt.",
    ),
    (
        "Buurt, wijk en stadsdeel",
        "Een buurt is het kleinste gebied. Een paar buurten samen zijn een wijk. Een "
        "stadsdeel is een groter gebied dat de gemeente zelf heeft gemaakt.",
    ),
    ("Veiligheidsmonitor", "Een vragenlijst over veiligheid. Inwoners vullen hem om het jaar in."),
    ("Basisjaar", "Het jaar waarmee we vergelijken. Het plan legt dit jaar zelf vast."),
)


def about(view: View) -> Section:
    """What the programme is and what this document is, in a few short sentences."""
    programme = view.programme
    lines = [
        f"De gemeente {view.city} wil dat iedereen veilig is en zich veilig voelt. Daarom is er een plan: "
        f"het {programme.title}.",
    ]
    if programme.decision is not None:
        lines.append(
            f"De gemeenteraad heeft dit plan op {formatting.date(programme.decision.date)} vastgesteld."
        )
    lines += [
        f"In dit stuk leest u hoe het gaat. De cijfers gaan tot en met {view.year}.",
        f"We vergelijken met {programme.baseline_year}. Dat is het basisjaar van het plan.",
    ]
    return Section("over", "Waar gaat dit over?", tuple(Paragraph(line) for line in lines))


def themes(view: View) -> Section:
    """The themes, each with a plain explanation."""
    items = tuple(
        (t.name, THEME_TEXT.get(t.id, t.description or t.kind.value)) for t in view.programme.themes
    )
    intro = Paragraph(f"Het plan heeft {len(items)} onderwerpen. Dit zijn ze:")
    return Section("onderwerpen", "Waar werken we aan?", (intro, Terms(items)))


def _plain(row: monitor.StatusRow) -> str:
    return PLAIN.get(monitor.verdict(row.indicator, row.comparison), "nog niet te zeggen")


def _since(row: monitor.StatusRow) -> str:
    """One sentence: how it went since the baseline year, in plain words."""
    if row.latest_year == row.baseline_year:
        later = row.remedy.public() if row.remedy else "Een nieuwer cijfer staat nog niet in deze monitor."
        return f"In {row.latest_year}. {later}"
    return f"In {row.latest_year}. Sinds {row.baseline_year}: {_plain(row)}."


def figures(view: View) -> Section:
    """Registered crime: the latest figures in words, a chart and a table."""
    crime = [r for r in view.status if r.indicator.kind is not IndicatorKind.SURVEY and r.latest_year]
    blocks: list[Block] = [
        Paragraph(
            "De politie telt alle misdrijven die worden gemeld of die ze zelf ziet. Dit zijn de cijfers."
        ),
    ]
    boxes = []
    for row in sorted(crime, key=lambda r: -(r.latest_year or 0))[:3]:
        decimals = row.indicator.decimals
        boxes.append(
            KeyFigure(row.indicator.name, number(row.latest_value, decimals), row.indicator.unit, _since(row))
        )
    if boxes:
        blocks.append(KeyFigures(tuple(boxes)))
    rows = [
        (
            cell(r.indicator.name, note=r.indicator.unit),
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
                "Misdaad in de stad: de nieuwste cijfers",
                ("Onderwerp", "Cijfer", "Jaar", "Hoe gaat het?"),
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
                "Let op: bij een haaldelict kan een hoger cijfer betekenen dat de politie beter "
                "zoekt. Zie 'Uitleg van woorden'.",
                "callout",
            )
        )
    return Section("misdaad", f"Hoeveel misdaad is er in {view.city}?", tuple(blocks))


def feelings(view: View) -> Section:
    """How safe residents feel (the Veiligheidsmonitor)."""
    survey = [r for r in view.status if r.indicator.kind is IndicatorKind.SURVEY and r.latest_year]
    if not survey:
        return Section(
            "gevoel", "Hoe veilig voelen inwoners zich?", (Paragraph("Hierover zijn nog geen cijfers."),)
        )
    boxes = tuple(
        KeyFigure(r.indicator.name, number(r.latest_value, r.indicator.decimals), r.indicator.unit, _since(r))
        for r in survey
    )
    intro = Paragraph(
        "Dit weten we uit de Veiligheidsmonitor. Dat is een vragenlijst die inwoners om het jaar invullen."
    )
    return Section("gevoel", "Hoe veilig voelen inwoners zich?", (intro, KeyFigures(boxes)))


def _hidden(count: int) -> str:
    if count == 0:
        return ""
    return " Dat geldt voor 1 buurt." if count == 1 else f" Dat geldt voor {count} buurten."


def _also_withheld(count: int) -> str:
    if count == 0:
        return ""
    return f" {ALSO_WITHHELD}" + (
        " Dat geldt voor 1 buurt." if count == 1 else f" Dat geldt voor {count} buurten."
    )


def neighbourhoods(view: View) -> Section:
    """The latest buurt figures on a map and in a table; small counts are '< 5'."""
    target = hotspot_target(view.snapshot, view.year)
    title = "Cijfers per buurt"
    if target is None:
        return Section("buurten", title, (Paragraph("Er zijn nog geen cijfers per buurt."),))
    indicator = view.snapshot.indicator(target[0])
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
            f"Hoe is het in uw buurt? Hier ziet u {indicator.name.lower()} {indicator.unit} in "
            f"{target[1]}, per buurt."
        ),
        Paragraph(
            f"Heeft een buurt minder dan {threshold} misdrijven? Dan staat er '< {threshold}'. Zo "
            "beschermen we de privacy van slachtoffers." + _hidden(hidden) + _also_withheld(protected)
        ),
        value_map("buurten-kaart", view.snapshot, rows, indicator, "buurt", target[1], plain=True),
    ]
    return Section("buurten", title, tuple(blocks))


def actions(view: View) -> Section:
    """What the municipality does: the actions, in plain words."""
    found = view.actions
    if not found:
        text = (
            "Er zijn nog geen acties ingevoerd. Zodra de gemeente acties invoert, ziet u hier wat er gebeurt "
            "en hoe ver het is."
        )
        return Section("acties", "Wat doet de gemeente?", (Paragraph(text),))
    rows = [(cell(a.title), cell(a.status), cell(str(a.year))) for a in found]
    return Section(
        "acties",
        "Wat doet de gemeente?",
        (
            Paragraph("Dit zijn de acties van de gemeente en haar partners, en hoe ver ze zijn."),
            table("acties-tabel", "Acties", ("Actie", "Hoe ver?", "Jaar"), rows),
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
        Section("woorden", "Uitleg van woorden", (Terms(GLOSSARY),)),
        sources_section(view, "bronnen", plain=True),
    )
