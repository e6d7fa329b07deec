# SPDX-License-Identifier: EUPL-1.2
"""Tussentijdse evaluatie: halfway through the MJP, what do the figures say?

Trends since the baseline per theme (Mann–Kendall with Sen's slope, and the latest year
against the baseline with its significance) and per area level, the hotspots of the latest
buurt year (Gi*), emerging hotspots where the series is long enough (otherwise the honest
refusal), registered crime next to feelings of safety, the actions with their evaluations
and the author's conclusions.
"""

from __future__ import annotations

from collections import Counter

from veiligstad import formatting
from veiligstad.domain.areas import AreaLevel
from veiligstad.domain.indicators import Indicator, IndicatorKind
from veiligstad.engine.significance import Signal
from veiligstad.reports import hotspots, language
from veiligstad.reports.figures import cell, figure, label, number, signed, table
from veiligstad.reports.language import say
from veiligstad.reports.model import Block, Bullets, Cell, Paragraph, Section, Table
from veiligstad.reports.sections import (
    actions_blocks,
    indicator_cell,
    indicator_charts,
    method_section,
    sources_section,
)
from veiligstad.reports.view import View
from veiligstad.services import divergence, monitor, trends

#: Levels below the municipality, coarsest first.
LEVELS = (AreaLevel.STADSDEEL, AreaLevel.WIJK, AreaLevel.BUURT)

NO_CONCLUSIONS = (
    "Nog geen conclusies vastgelegd. De programmamanager legt ze vast bij de jaarlijkse evaluatie "
    "(opdracht: veiligstad evaluate JAAR); ze verschijnen dan hier."
)
NO_CONCLUSIONS_EN = (
    "No conclusions recorded yet. The programme manager records them at the yearly evaluation "
    "(command: veiligstad evaluate YEAR); they then appear here."
)

#: Column headers of the trend counts per area level (Dutch, English).
SIGNAL_HEADERS = {
    Signal.ROSE: ("Significant gestegen", "Significant rise"),
    Signal.FELL: ("Significant gedaald", "Significant fall"),
    Signal.NO_CHANGE: ("Geen significante verandering", "No significant change"),
    Signal.TOO_LITTLE: ("Te weinig gegevens", "Too little data"),
}

#: A level's name and plural (Dutch, English).
LEVEL_WORDS = {
    "stadsdeel": ("stadsdeel", "stadsdelen", "district", "districts"),
    "wijk": ("wijk", "wijken", "ward", "wards"),
    "buurt": ("buurt", "buurten", "neighbourhood", "neighbourhoods"),
}


def _level(level: AreaLevel) -> tuple[str, str]:
    """The level's name and plural in the report's language."""
    nl, nl_plural, en, en_plural = LEVEL_WORDS[level.value]
    return say(nl, en), say(nl_plural, en_plural)


def _trend_row(view: View, indicator: Indicator) -> tuple[Cell, ...]:
    """One indicator: years with figures, Mann–Kendall trend, latest year against the baseline."""
    report = trends.report_from_values(view.values, indicator, view.municipality)
    known = [p for p in report.points if p.value is not None]
    span = f"{known[0].label}–{known[-1].label}" if known else formatting.MISSING
    mk = report.trend
    slope = (
        ""
        if mk.slope is None
        else say(
            "Sen-helling {s} per jaar", "Sen's slope {s} per year", s=signed(mk.slope, indicator.decimals)
        )
    )
    reason = language.label(mk.reason) or slope
    survey = indicator.kind is IndicatorKind.SURVEY
    change, note = trends.against_baseline(report.points, view.programme.baseline_year, survey)
    if change is None:
        since = cell(
            language.label(Signal.TOO_LITTLE.value),
            "signal-little",
            language.label(note)
            or say("geen berekend cijfer na het basisjaar", "no computed figure after the baseline year"),
        )
    else:
        difference = signed(change.difference, indicator.decimals)
        arrow = f"{change.before.label} → {change.after.label}: {difference}"
        signal = change.comparison.signal.value
        since = cell(
            language.label(signal), label(signal).css, f"{arrow}{'; ' + language.label(note) if note else ''}"
        )
    return (
        indicator_cell(indicator),
        cell(
            span,
            note=say("{n} jaar met een berekend cijfer", "{n} year(s) with a computed figure", n=len(known)),
        ),
        cell(language.label(mk.signal.value), label(mk.signal.value).css, reason),
        since,
    )


def trend_table(view: View, table_id: str, caption: str, indicators: list[Indicator]) -> Table:
    """Indicators with their trend and their change since the baseline."""
    return table(
        table_id,
        caption,
        (
            "Indicator",
            say("Berekende jaren", "Computed years"),
            "Trend (Mann–Kendall)",
            say("Sinds basisjaar {y}", "Since baseline year {y}", y=view.programme.baseline_year),
        ),
        [_trend_row(view, i) for i in indicators],
        note=say(
            "Alleen berekende cijfers met een telling of marge worden getoetst; gepubliceerde waarden "
            "zonder telling niet.",
            "Only computed figures with a count or margin are tested; published values without a count "
            "are not.",
        ),
    )


def themes_section(view: View) -> Section:
    """Trends since the baseline, one sub-section per theme (and the context indicators)."""
    by_theme: dict[str | None, list[monitor.StatusRow]] = {}
    for row in view.status:
        by_theme.setdefault(row.theme_id, []).append(row)
    children = []
    groups: list[tuple[str | None, str]] = [(t.id, t.name) for t in view.programme.themes]
    groups.append((None, say("Contextindicatoren", "Context indicators")))
    for theme_id, name in groups:
        rows = by_theme.get(theme_id, [])
        if not rows and theme_id is None:
            continue
        prefix = f"trend-{theme_id or 'context'}"
        blocks: list[Block]
        if rows:
            caption = say("Trends van {name}", "Trends of {name}", name=name)
            blocks = [trend_table(view, f"{prefix}-tabel", caption, [r.indicator for r in rows])]
            blocks += indicator_charts(view, rows, prefix)
        else:
            blocks = [Paragraph(language.label(monitor.NO_EFFECT_INDICATORS))]
        children.append(Section(prefix, name, tuple(blocks)))
    intro = Paragraph(
        say(
            "Per thema: de trend over alle jaren met een berekend cijfer en het laatste jaar tegenover het "
            "basisjaar {y}. Een trend of verandering telt alleen als ze groter is dan toeval.",
            "Per theme: the trend over all years with a computed figure and the latest year against the "
            "baseline year {y}. A trend or change only counts when it is larger than chance.",
            y=view.programme.baseline_year,
        ),
        "lead",
    )
    title = say("Trends sinds het basisjaar per thema", "Trends since the baseline year per theme")
    return Section("trends", title, (intro,), tuple(children))


def _level_rows(view: View, level: AreaLevel) -> list[tuple[Indicator, tuple[Cell, ...]]]:
    """Per indicator with figures at this level: the areas and what their trends say."""
    codes = set(view.snapshot.own_areas(level.value)["code"])
    values = view.values
    here = values[
        values["area_code"].isin(codes) & values["value"].notna() & values["period"].str.fullmatch(r"\d{4}")
    ]
    out = []
    for indicator_id, rows in here.groupby("indicator_id", sort=True):
        indicator = view.indicator(str(indicator_id))
        if indicator is None:
            continue
        signals = Counter(
            trends.report_from_values(values, indicator, str(code)).trend.signal
            for code in sorted(set(rows["area_code"]))
        )
        years = sorted({int(y) for y in rows["year"]})
        row = (
            cell(indicator.name),
            cell(str(rows["area_code"].nunique())),
            cell(f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])),
            *(cell(str(signals.get(s, 0))) for s in Signal),
        )
        out.append((indicator, row))
    return out


def comparison_table(view: View, level: AreaLevel, indicator: Indicator) -> Table | None:
    """The areas of one level in the latest year, each against the rest of the municipality."""
    areas = view.snapshot.own_areas(level.value)
    rows = []
    for code, name in zip(areas["code"], areas["name"], strict=True):
        series = monitor.series(view.values, indicator.id, str(code))
        series = series[series["period"].str.fullmatch(r"\d{4}")]
        if series.empty:
            continue
        last = series.iloc[-1]
        versus = trends.versus_parent(view.values, indicator, str(code), view.municipality)
        between = versus.comparison.signal if versus else Signal.TOO_LITTLE
        text = {
            Signal.ROSE: say("significant hoger", "significantly higher"),
            Signal.FELL: say("significant lager", "significantly lower"),
        }.get(between, language.label(between.value))
        rows.append(
            (
                cell(str(name or code)),
                cell(str(last["period"])),
                cell(figure(last["value"], indicator.decimals, last["disclosure"])),
                cell(number(versus.rest_value, indicator.decimals) if versus else formatting.MISSING),
                cell(text, label(between.value).css),
            )
        )
    if not rows:
        return None
    name, _ = _level(level)
    rest = say("Rest van {city}", "Rest of {city}", city=view.city)
    return table(
        f"niveau-{level.value}-{indicator.id}",
        say(
            "{indicator} per {level} tegenover de rest van {city} ({unit})",
            "{indicator} per {level} against the rest of {city} ({unit})",
            indicator=indicator.name,
            level=name,
            city=view.city,
            unit=indicator.unit,
        ),
        (name.capitalize(), say("Jaar", "Year"), say("Waarde", "Value"), rest, say("Verschil", "Difference")),
        rows,
        (False, False, True, True, False),
    )


def levels_section(view: View) -> Section:
    """Per area level: which indicators have figures, and what their trends say."""
    children = []
    for level in LEVELS:
        rows = _level_rows(view, level)
        name, plural = _level(level)
        if not rows:
            blocks: list[Block] = [
                Paragraph(
                    say("Er zijn geen cijfers per {level}.", "There are no figures per {level}.", level=name)
                )
            ]
        else:
            blocks = [
                table(
                    f"niveau-{level.value}-trends",
                    say(
                        "Trends per {level}: aantal {plural} per uitkomst",
                        "Trends per {level}: number of {plural} per outcome",
                        level=name,
                        plural=plural,
                    ),
                    (
                        "Indicator",
                        plural.capitalize(),
                        say("Jaren", "Years"),
                        *(say(*SIGNAL_HEADERS[s]) for s in Signal),
                    ),
                    [row for _, row in rows],
                    (False, True, False, True, True, True, True),
                    note=say(
                        "Een trendtoets vraagt minstens vier jaren met een cijfer per gebied.",
                        "A trend test needs at least four years with a figure per area.",
                    ),
                )
            ]
            if level is not AreaLevel.BUURT:
                for indicator, _ in rows:
                    found = comparison_table(view, level, indicator)
                    if found is not None:
                        blocks.append(found)
        children.append(Section(f"niveau-{level.value}", plural.capitalize(), tuple(blocks)))
    intro = Paragraph(
        say(
            "Hoe verschillen de gebieden binnen de gemeente, en is er per gebied een trend? Een gebied wordt "
            "vergeleken met de gemeente (trechtergrenzen met overdispersie, Spiegelhalter 2005).",
            "How do the areas within the municipality differ, and is there a trend per area? An area is "
            "compared with the municipality (funnel limits with overdispersion, Spiegelhalter 2005).",
        ),
        "lead",
    )
    return Section(
        "gebieden", say("Trends per gebiedsniveau", "Trends per area level"), (intro,), tuple(children)
    )


def divergence_section(view: View) -> Section:
    """Registered crime next to feelings of safety, per area and pair of survey years."""
    codes = list(view.snapshot.own_areas()["code"])
    found = divergence.divergences(view.values, view.definitions, codes)
    intro = Paragraph(
        say(
            "Geregistreerde criminaliteit (objectief) en veiligheidsgevoel (subjectief) worden naast elkaar "
            "gezet, nooit gemiddeld. Tegenstrijdig is: criminaliteit significant gedaald terwijl mensen zich "
            "onveiliger voelen, of andersom.",
            "Registered crime (objective) and feelings of safety (subjective) are set side by side, never "
            "averaged. Contradictory means: crime fell significantly while people feel less safe, or the "
            "other way round.",
        ),
        "lead",
    )
    title = say("Objectief en subjectief", "Objective and subjective")
    if not found:
        return Section(
            "beleving",
            title,
            (
                intro,
                Paragraph(
                    say("Er zijn geen jaren met beide cijfers.", "There are no years with both figures.")
                ),
            ),
        )
    untested = say(" (richting, niet getoetst)", " (direction, not tested)")
    rows = [
        (
            cell(d.area_name or d.area_code),
            cell(f"{d.before.label} → {d.after.label}"),
            cell(d.crime.name, note=language.label(d.crime_comparison.signal.value)),
            cell(
                d.feeling.name,
                note=language.label(d.feeling_comparison.signal.value)
                + ("" if d.feeling_tested else untested),
            ),
            cell(language.label(d.label), "verdict-bad" if d.diverges else ""),
        )
        for d in found
    ]
    data = table(
        "beleving-tabel",
        say("Criminaliteit en veiligheidsgevoel per gebied", "Crime and feelings of safety per area"),
        (
            say("Gebied", "Area"),
            say("Jaren", "Years"),
            say("Criminaliteit", "Crime"),
            say("Veiligheidsgevoel", "Feeling of safety"),
            say("Oordeel", "Verdict"),
        ),
        rows,
    )
    return Section("beleving", title, (intro, data))


def conclusions_section(view: View) -> Section:
    """The author's conclusions and proposed adjustments of every yearly evaluation so far."""
    found = view.inputs.evaluations
    title = say("Conclusies", "Conclusions")
    if not found:
        return Section("conclusies", title, (Paragraph(say(NO_CONCLUSIONS, NO_CONCLUSIONS_EN), "note"),))
    themes = {t.id: t.name for t in view.programme.themes}
    children = []
    for evaluation in found:
        blocks: list[Block] = []
        if evaluation.summary:
            blocks.append(Paragraph(evaluation.summary))
        for item in evaluation.themes:
            if item.conclusion:
                blocks.append(Paragraph(f"{themes.get(item.theme, item.theme)}: {item.conclusion}"))
            if item.adjustments:
                adjustment = say("Bijstelling", "Adjustment")
                blocks.append(Bullets(tuple(f"{adjustment}: {text}" for text in item.adjustments)))
        by = [evaluation.author] if evaluation.author else []
        if evaluation.saved_at is not None:
            by.append(say("vastgelegd op {d}", "recorded on {d}", d=language.date(evaluation.saved_at)))
        if by:
            blocks.append(Paragraph(say("Auteur", "Author") + ": " + ", ".join(by) + ".", "note"))
        heading = say("Evaluatie {year}", "Evaluation {year}", year=evaluation.year)
        children.append(Section(f"conclusies-{evaluation.year}", heading, tuple(blocks)))
    intro = Paragraph(
        say(
            "De conclusies en voorgestelde bijstellingen zoals de auteur ze bij de jaarlijkse evaluatie "
            "heeft vastgelegd.",
            "The conclusions and proposed adjustments as the author recorded them at the yearly evaluation.",
        ),
        "lead",
    )
    return Section("conclusies", title, (intro,), tuple(children))


def summary(view: View) -> Section:
    """The main lines, for a reader who reads one page."""
    verdicts = Counter(monitor.verdict(r.indicator, r.comparison) for r in view.status)
    improved, worsened = verdicts.get(monitor.IMPROVED, 0), verdicts.get(monitor.WORSENED, 0)
    items = [
        say(
            "Indicatoren significant verbeterd sinds het basisjaar: {i}; verslechterd: {w}; "
            "zonder oordeel: {o}.",
            "Indicators significantly improved since the baseline year: {i}; worsened: {w}; "
            "without verdict: {o}.",
            i=improved,
            w=worsened,
            o=len(view.status) - improved - worsened,
        ),
    ]
    analysis = view.inputs.hotspots
    if analysis is not None:
        hot = sum(n for k, n in analysis.counts().items() if k.startswith("hotspot"))
        items.append(
            say(
                "Hotspots in {period}: {hot} van {n} buurten.",
                "Hotspots in {period}: {hot} of {n} neighbourhoods.",
                period=analysis.period,
                hot=hot,
                n=analysis.analysed,
            )
        )
    emerging = view.inputs.emerging
    head = say("Opkomende hotspots", "Emerging hotspots")
    if emerging is not None:
        items.append(
            f"{head}: " + ", ".join(f"{n} {language.label(k)}" for k, n in emerging.counts().items()) + "."
        )
    else:
        items.append(
            f"{head}: "
            + say("niet te bepalen.", "cannot be determined.")
            + f" {language.label(view.inputs.emerging_note)}"
        )
    items.append(say("Acties vastgelegd: {n}.", "Actions recorded: {n}.", n=len(view.actions)))
    years = ", ".join(str(e.year) for e in view.inputs.evaluations)
    items.append(
        say("Conclusies van de auteur", "The author's conclusions")
        + ": "
        + (
            say("vastgelegd voor {years}.", "recorded for {years}.", years=years)
            if view.inputs.evaluations
            else say("nog niet vastgelegd.", "not yet recorded.")
        )
    )
    intro = Paragraph(
        say(
            "Halverwege het {title}: wat zeggen de cijfers tot en met {year}?",
            "Halfway through the {title}: what do the figures up to and including {year} say?",
            title=view.programme.title,
            year=view.year,
        ),
        "lead",
    )
    return Section("samenvatting", say("Samenvatting", "Summary"), (intro, Bullets(tuple(items))))


def build(view: View) -> tuple[Section, ...]:
    """The sections of the mid-term evaluation."""
    return (
        summary(view),
        themes_section(view),
        levels_section(view),
        hotspots.hotspot_section(view),
        hotspots.emerging_section(view),
        divergence_section(view),
        Section(
            "acties",
            say("Acties en evaluaties", "Actions and evaluations"),
            actions_blocks(view, view.actions, "acties-tabel"),
        ),
        conclusions_section(view),
        method_section(view),
        sources_section(view),
    )
