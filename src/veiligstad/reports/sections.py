# SPDX-License-Identifier: EUPL-1.2
"""Sections that several reports share: the status table of a theme, published against
computed values, the actions, the method and the sources."""

from __future__ import annotations

from collections.abc import Sequence

from veiligstad import formatting
from veiligstad.domain.actions import METHOD_LABELS, Action
from veiligstad.domain.indicators import Indicator
from veiligstad.engine.significance import Signal
from veiligstad.reports import language
from veiligstad.reports.figures import (
    NO_TARGET,
    SIGNAL_CSS,
    cell,
    computed_years,
    figure,
    label,
    number,
    signed,
    table,
    trend_chart,
    yearly,
)
from veiligstad.reports.language import say
from veiligstad.reports.model import Block, Bullets, Cell, Paragraph, Section, Table
from veiligstad.reports.view import View
from veiligstad.services import monitor, trends

ATTRIBUTION = "Bron: CBS/Politie"

NO_ACTIONS = (
    "Nog geen acties vastgelegd. Acties van het uitvoeringsprogramma verschijnen hier zodra ze in "
    "veiligstad zijn ingevoerd."
)
NO_ACTIONS_EN = (
    "No actions recorded yet. Actions of the implementation programme appear here as soon as they are "
    "entered in veiligstad."
)


def no_actions() -> str:
    """The sentence for a report without actions, in the report's language."""
    return say(NO_ACTIONS, NO_ACTIONS_EN)


def indicator_cell(indicator: Indicator) -> Cell:
    """The indicator's name with its unit (and a haaldelict mark) below it."""
    unit = indicator.unit + (f" · {language.label('haaldelict')}" if indicator.haaldelict else "")
    return Cell(indicator.name, note=unit)


def point_cell(value: float | None, year: int | None, source: str, decimals: int) -> Cell:
    """A figure with its year (and 'gepubliceerd' when it is the programme's own figure)."""
    if year is None:
        return Cell(formatting.MISSING)
    published = f"{year}, {language.label('gepubliceerd')}"
    return Cell(number(value, decimals), note=published if source == "gepubliceerd" else str(year))


def change_cell(row: monitor.StatusRow) -> Cell:
    """The significance of the change since the baseline, with why when there is no test."""
    if row.comparison is None:
        if row.reason:
            why = language.label(row.reason)
        elif row.latest_year is not None and row.latest_year == row.baseline_year:
            why = say("nog geen cijfer na het basisjaar", "no figure after the baseline year yet")
        else:
            why = say("geen vergelijking mogelijk", "no comparison possible")
        too_little = Signal.TOO_LITTLE.value
        return Cell(language.label(too_little), SIGNAL_CSS[too_little], why)
    signal = row.comparison.signal.value
    since = f"{row.baseline_year} → {row.latest_year}"
    note = f"{since}; {language.label(row.comparison.reason)}" if row.comparison.reason else since
    return Cell(language.label(signal), SIGNAL_CSS.get(signal, ""), note)


def status_table(table_id: str, caption: str, rows: Sequence[monitor.StatusRow]) -> Table:
    """Indicators against the baseline: basis, latest, target, significance and verdict."""
    body = []
    for row in rows:
        decimals = row.indicator.decimals
        body.append(
            (
                indicator_cell(row.indicator),
                point_cell(row.baseline_value, row.baseline_year, row.baseline_source, decimals),
                point_cell(row.latest_value, row.latest_year, row.latest_source, decimals),
                cell(language.label(NO_TARGET), "muted"),
                change_cell(row),
                label(monitor.verdict(row.indicator, row.comparison)),
            )
        )
    notes = [f"{r.indicator.name}: {language.label(r.note)}." for r in rows if r.note]
    return table(
        table_id,
        caption,
        (
            "Indicator",
            say("Basis", "Baseline"),
            say("Laatste", "Latest"),
            say("Streefwaarde", "Target"),
            say("Verandering sinds basis", "Change since baseline"),
            say("Oordeel", "Verdict"),
        ),
        body,
        (False, True, True, False, False, False),
        " ".join(notes),
    )


def indicator_charts(view: View, rows: list[monitor.StatusRow], prefix: str) -> list[Block]:
    """A trend chart (with its table) for every indicator with at least two computed years."""
    blocks: list[Block] = []
    for row in rows:
        series = yearly(view.values, row.indicator.id, view.municipality, view.year)
        if computed_years(series) < 2:
            continue
        report = trends.report_from_values(view.values, row.indicator, view.municipality)
        blocks.append(
            trend_chart(f"{prefix}-{row.indicator.id}", row.indicator, series, view.city, report.trend)
        )
    return blocks


def reconciliation_table(
    view: View, table_id: str, caption: str, indicators: Sequence[Indicator]
) -> Table | None:
    """Years where the programme published a value and veiligstad computed one, side by side."""
    body = []
    for indicator in indicators:
        rows = yearly(view.values, indicator.id, view.municipality, view.year)
        both = rows[rows["value"].notna() & rows["published_value"].notna()]
        for row in both.itertuples():
            body.append(
                (
                    cell(indicator.name),
                    cell(str(row.year)),
                    cell(number(row.published_value, indicator.decimals)),
                    cell(figure(row.value, indicator.decimals, row.disclosure)),
                    cell(signed(row.difference, indicator.decimals + 1)),
                    cell(language.label(str(row.reconciliation))),
                )
            )
    if not body:
        return None
    return table(
        table_id,
        caption,
        (
            "Indicator",
            say("Jaar", "Year"),
            say("Gepubliceerd", "Published"),
            say("Berekend", "Computed"),
            say("Verschil", "Difference"),
            say("Aansluiting", "Reconciliation"),
        ),
        body,
        (False, False, True, True, True, False),
        say(
            "'Overeenkomend': het verschil valt binnen de afronding van het gepubliceerde getal.",
            "'Matching': the difference is within the rounding of the published number.",
        ),
    )


def _period(action: Action) -> str:
    parts = [language.date(d) for d in (action.planned_start, action.planned_end) if d is not None]
    return " – ".join(parts) if parts else formatting.MISSING


def _latest(action: Action, limit: int = 160) -> str:
    """The latest progress note: ``12 maart 2024: …`` (shortened)."""
    note = action.latest_progress
    if note is None:
        return ""
    text = note.text if len(note.text) <= limit else note.text[: limit - 1].rstrip() + "…"
    return f"{language.date(note.date)}: {text}"


def actions_blocks(view: View, actions: Sequence[Action], table_id: str) -> tuple[Paragraph | Table, ...]:
    """The actions with their status and latest progress, and their evaluations where there are any."""
    if not actions:
        return (Paragraph(no_actions(), "note"),)
    themes = {t.id: t.name for t in view.programme.themes}
    rows = [
        (
            cell(a.title, note=str(a.year)),
            cell(", ".join(themes.get(t, t) for t in a.themes) or formatting.MISSING),
            cell(language.label(a.status.value), note=_latest(a)),
            cell(_period(a)),
            cell(a.lead or formatting.MISSING),
        )
        for a in actions
    ]
    blocks: list[Paragraph | Table] = [
        table(
            table_id,
            say("Acties en hun status", "Actions and their status"),
            (
                say("Actie", "Action"),
                say("Thema's", "Themes"),
                "Status",
                say("Periode", "Period"),
                say("Trekker", "Lead"),
            ),
            rows,
        )
    ]
    evaluated = [(a, a.evaluation) for a in actions if a.evaluation is not None]
    if evaluated:
        blocks.append(
            table(
                f"{table_id}-evaluaties",
                say("Evaluaties van acties", "Evaluations of actions"),
                (
                    say("Actie", "Action"),
                    say("Methode", "Method"),
                    say("Resultaat", "Result"),
                    say("Conclusie", "Conclusion"),
                    say("Vervolg", "Follow-up"),
                ),
                [
                    (
                        cell(a.title),
                        cell(language.label(METHOD_LABELS.get(e.method, str(e.method)))),
                        cell(e.result or formatting.MISSING),
                        cell(e.conclusion or formatting.MISSING),
                        cell(e.follow_up or formatting.MISSING),
                    )
                    for a, e in evaluated
                ],
            )
        )
    return tuple(blocks)


def newest(view: View) -> tuple[tuple[str, str], ...]:
    """The newest period of every source with figures, newest first."""
    found = [(s.title, str(s.newest_period)) for s in view.snapshot.sources if s.newest_period]
    return tuple(sorted(found, key=lambda pair: (pair[1], pair[0]), reverse=True))


def sources_section(view: View, section_id: str = "bronnen", plain: bool = False) -> Section:
    """Where the figures come from, with the attribution of every source."""
    details = view.inputs.details
    attributions = [say(ATTRIBUTION, "Source: CBS/Police")]
    for status in view.snapshot.sources:
        text = details.get(status.source_id, {}).get("attribution", "")
        if text and text not in attributions:
            attributions.append(text)
    rows = []
    for status in sorted(view.snapshot.sources, key=lambda s: s.title):
        detail = details.get(status.source_id, {})
        rows.append(
            (
                cell(status.title),
                cell(status.table_id or formatting.MISSING),
                cell(status.newest_period or formatting.MISSING),
                cell(detail.get("attribution", "") or formatting.MISSING),
                cell(detail.get("licence", "") or formatting.MISSING),
            )
        )
    intro = (
        say(
            "De cijfers komen van het CBS, de politie en de gemeente. Wij rekenen ze om naar cijfers "
            "per 1.000 inwoners, zodat je gebieden en jaren kunt vergelijken.",
            "The figures come from CBS (Statistics Netherlands), the police and the municipality. We turn "
            "them into figures per 1,000 inhabitants, so you can compare areas and years.",
        )
        if plain
        else say(
            "Alle cijfers zijn berekend uit open data en de gegevens van de gemeente, met hun herkomst "
            "per bron. Bij hergebruik: vermeld de bron zoals hieronder.",
            "All figures are computed from open data and the municipality's data, with their origin per "
            "source. When reusing them, cite the source as below.",
        )
    )
    built = language.date(view.snapshot.built_at)
    blocks = (
        Paragraph(intro),
        Bullets(tuple(attributions)),
        Paragraph(
            say(
                "Stand van de gegevens: berekend op {built}; gegevens tot en met {year}.",
                "State of the data: computed on {built}; data up to and including {year}.",
                built=built,
                year=view.year,
            ),
            "note",
        ),
        table(
            f"{section_id}-tabel",
            say("Bronnen met hun nieuwste periode", "Sources with their newest period"),
            (
                say("Bron", "Source"),
                say("Tabel", "Table"),
                say("Nieuwste periode", "Newest period"),
                say("Bronvermelding", "Attribution"),
                say("Licentie", "Licence"),
            ),
            rows,
        ),
    )
    title = (
        say("Waar komen de cijfers vandaan?", "Where do the figures come from?")
        if plain
        else say("Bronnen", "Sources")
    )
    return Section(section_id, title, blocks)


def method_section(view: View, section_id: str = "verantwoording") -> Section:
    """How the figures were computed and judged."""
    threshold = view.snapshot.threshold
    items = [
        say(
            "Cijfers per 1.000 inwoners zijn berekend met het aantal inwoners op 1 januari van het jaar "
            "(zoals het CBS doet). Bij elk berekend cijfer hoort een 95%-betrouwbaarheidsinterval "
            "(exact Poisson-interval voor tellingen, gepubliceerde marges voor enquêtecijfers).",
            "Figures per 1,000 inhabitants are computed with the population on 1 January of the year "
            "(as CBS does). Every computed figure has a 95% confidence interval (exact Poisson interval "
            "for counts, published margins for survey figures).",
        ),
        say(
            "Een verandering heet alleen 'significant gestegen' of 'significant gedaald' als ze groter is "
            "dan toeval (5%-niveau; quasi-Poisson-toets met φ op tellingen, z-toets op enquêtemarges). "
            "Zonder telling of marge – zoals bij alleen gepubliceerde waarden – staat er "
            "'te weinig gegevens'.",
            "A change is only called a 'significant rise' or 'significant fall' when it is larger than "
            "chance (5% level; quasi-Poisson test with φ on counts, z-test on survey margins). Without a "
            "count or margin – as with published values only – it says 'too little data'.",
        ),
        say(
            "Het oordeel 'verbeterd' of 'verslechterd' volgt uit een significante verandering en de richting "
            "die beter is; anders staat er het significantielabel zelf.",
            "The verdict 'improved' or 'worsened' follows from a significant change and the direction that "
            "is better; otherwise the significance label itself is shown.",
        ),
        say(
            "Trends over meerdere jaren: Mann–Kendall-toets met Sen-helling, vanaf vier jaren met een "
            "cijfer.",
            "Trends over several years: Mann–Kendall test with Sen's slope, from four years with a figure.",
        ),
        say(
            "Gepubliceerde waarden (uit het programma) en berekende waarden staan naast elkaar; "
            "'overeenkomend' betekent dat het verschil binnen de afronding van het gepubliceerde getal valt.",
            "Published values (from the programme) and computed values are shown side by side; 'matching' "
            "means the difference is within the rounding of the published number.",
        ),
        say(
            "Het programma legt geen streefwaarden vast; daarom staat er 'geen streefwaarde vastgesteld'.",
            "The programme sets no targets; that is why it says 'no target set'.",
        ),
        say(
            "Haaldelicten (zoals drugshandel) stijgen als er meer wordt gehandhaafd; een stijging betekent "
            "dan niet per se meer criminaliteit.",
            "Enforcement-driven offences (such as drug dealing) rise when there is more enforcement; a rise "
            "then does not necessarily mean more crime.",
        ),
    ]
    if view.public:
        items.append(
            say(
                "Aantallen van 1 tot en met {last} zijn afgeschermd (< {threshold}): er wordt dan geen "
                "cijfer per inwoner, interval of toets getoond. Soms is ook een ander, groter aantal "
                "weggelaten ('afgeschermd'), zodat het kleine aantal niet alsnog uit de totalen van wijk, "
                "stadsdeel of gemeente uit te rekenen is.",
                "Counts from 1 to {last} are withheld (< {threshold}): no rate, interval or test is shown "
                "for them. Sometimes another, larger count is left out too ('withheld'), so that the small "
                "count cannot be worked out from the totals of the ward, district or municipality.",
                last=threshold - 1,
                threshold=threshold,
            )
        )
    else:
        items.append(
            say(
                "Interne versie: kleine aantallen zijn niet afgeschermd. Verspreid dit document niet buiten "
                "de organisatie.",
                "Internal version: small counts are not withheld. Do not distribute this document outside "
                "the organisation.",
            )
        )
    return Section(section_id, say("Verantwoording", "Method"), (Bullets(tuple(items)),))
