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
from veiligstad.reports import hotspots
from veiligstad.reports.figures import cell, figure, label, number, table
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

#: Column headers of the trend counts per area level.
SIGNAL_HEADERS = {
    Signal.ROSE: "Significant gestegen",
    Signal.FELL: "Significant gedaald",
    Signal.NO_CHANGE: "Geen significante verandering",
    Signal.TOO_LITTLE: "Te weinig gegevens",
}


def _trend_row(view: View, indicator: Indicator) -> tuple[Cell, ...]:
    """One indicator: years with figures, Mann–Kendall trend, latest year against the baseline."""
    report = trends.report_from_values(view.values, indicator, view.municipality)
    known = [p for p in report.points if p.value is not None]
    span = f"{known[0].label}–{known[-1].label}" if known else formatting.MISSING
    mk = report.trend
    slope = (
        "" if mk.slope is None else f"Sen-helling {formatting.signed(mk.slope, indicator.decimals)} per jaar"
    )
    reason = mk.reason or slope
    survey = indicator.kind is IndicatorKind.SURVEY
    change, note = trends.against_baseline(report.points, view.programme.baseline_year, survey)
    if change is None:
        since = cell(
            Signal.TOO_LITTLE.value, "signal-little", note or "geen berekend cijfer na het basisjaar"
        )
    else:
        difference = formatting.signed(change.difference, indicator.decimals)
        arrow = f"{change.before.label} → {change.after.label}: {difference}"
        signal = change.comparison.signal.value
        since = cell(signal, label(signal).css, f"{arrow}{'; ' + note if note else ''}")
    return (
        indicator_cell(indicator),
        cell(span, note=f"{len(known)} jaar met een berekend cijfer"),
        cell(mk.signal.value, label(mk.signal.value).css, reason),
        since,
    )


def trend_table(view: View, table_id: str, caption: str, indicators: list[Indicator]) -> Table:
    """Indicators with their trend and their change since the baseline."""
    return table(
        table_id,
        caption,
        (
            "Indicator",
            "Berekende jaren",
            "Trend (Mann–Kendall)",
            f"Sinds basisjaar {view.programme.baseline_year}",
        ),
        [_trend_row(view, i) for i in indicators],
        note="Alleen berekende cijfers met een telling of marge worden getoetst; gepubliceerde waarden "
        "zonder telling niet.",
    )


def themes_section(view: View) -> Section:
    """Trends since the baseline, one sub-section per theme (and the context indicators)."""
    by_theme: dict[str | None, list[monitor.StatusRow]] = {}
    for row in view.status:
        by_theme.setdefault(row.theme_id, []).append(row)
    children = []
    groups = [(t.id, t.name) for t in view.programme.themes] + [(None, "Contextindicatoren")]
    for theme_id, name in groups:
        rows = by_theme.get(theme_id, [])
        if not rows and theme_id is None:
            continue
        prefix = f"trend-{theme_id or 'context'}"
        blocks: list[Block]
        if rows:
            blocks = [trend_table(view, f"{prefix}-tabel", f"Trends van {name}", [r.indicator for r in rows])]
            blocks += indicator_charts(view, rows, prefix)
        else:
            blocks = [Paragraph(monitor.NO_EFFECT_INDICATORS)]
        children.append(Section(prefix, name, tuple(blocks)))
    intro = Paragraph(
        f"Per thema: de trend over alle jaren met een berekend cijfer en het laatste jaar tegenover het "
        f"basisjaar {view.programme.baseline_year}. Een trend of verandering telt alleen als ze groter is "
        "dan toeval.",
        "lead",
    )
    return Section("trends", "Trends sinds het basisjaar per thema", (intro,), tuple(children))


def _level_rows(view: View, level: AreaLevel) -> list[tuple[Indicator, tuple[Cell, ...]]]:
    """Per indicator with figures at this level: the areas and what their trends say."""
    codes = set(view.snapshot.own_areas(level.value)["code"])
    values = view.values
    here = values[
        values["area_code"].isin(codes) & values["value"].notna() & values["period"].str.fullmatch(r"\d{4}")
    ]
    out = []
    for indicator_id, rows in here.groupby("indicator_id", sort=True):
        indicator = view.snapshot.indicator(str(indicator_id))
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
        text = {Signal.ROSE: "significant hoger", Signal.FELL: "significant lager"}.get(
            between, between.value
        )
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
    return table(
        f"niveau-{level.value}-{indicator.id}",
        f"{indicator.name} per {level.label} tegenover de rest van {view.city} ({indicator.unit})",
        (level.label.capitalize(), "Jaar", "Waarde", f"Rest van {view.city}", "Verschil"),
        rows,
        (False, False, True, True, False),
    )


def levels_section(view: View) -> Section:
    """Per area level: which indicators have figures, and what their trends say."""
    children = []
    for level in LEVELS:
        rows = _level_rows(view, level)
        plural = {"stadsdeel": "stadsdelen", "wijk": "wijken", "buurt": "buurten"}[level.value]
        if not rows:
            blocks: list[Block] = [Paragraph(f"Er zijn geen cijfers per {level.label}.")]
        else:
            blocks = [
                table(
                    f"niveau-{level.value}-trends",
                    f"Trends per {level.label}: aantal {plural} per uitkomst",
                    ("Indicator", plural.capitalize(), "Jaren", *(SIGNAL_HEADERS[s] for s in Signal)),
                    [row for _, row in rows],
                    (False, True, False, True, True, True, True),
                    note="Een trendtoets vraagt minstens vier jaren met een cijfer per gebied.",
                )
            ]
            if level is not AreaLevel.BUURT:
                for indicator, _ in rows:
                    found = comparison_table(view, level, indicator)
                    if found is not None:
                        blocks.append(found)
        children.append(Section(f"niveau-{level.value}", plural.capitalize(), tuple(blocks)))
    intro = Paragraph(
        "Hoe verschillen de gebieden binnen de gemeente, en is er per gebied een trend? Een gebied wordt "
        "vergeleken met de gemeente (trechtergrenzen met overdispersie, Spiegelhalter 2005).",
        "lead",
    )
    return Section("gebieden", "Trends per gebiedsniveau", (intro,), tuple(children))


def divergence_section(view: View) -> Section:
    """Registered crime next to feelings of safety, per area and pair of survey years."""
    codes = list(view.snapshot.own_areas()["code"])
    found = divergence.divergences(view.values, view.definitions, codes)
    intro = Paragraph(
        "Geregistreerde criminaliteit (objectief) en veiligheidsgevoel (subjectief) worden naast elkaar "
        "gezet, nooit gemiddeld. Tegenstrijdig is: criminaliteit significant gedaald terwijl mensen zich "
        "onveiliger voelen, of andersom.",
        "lead",
    )
    if not found:
        return Section(
            "beleving", "Objectief en subjectief", (intro, Paragraph("Er zijn geen jaren met beide cijfers."))
        )
    rows = [
        (
            cell(d.area_name or d.area_code),
            cell(f"{d.before.label} → {d.after.label}"),
            cell(d.crime.name, note=d.crime_comparison.signal.value),
            cell(
                d.feeling.name,
                note=d.feeling_comparison.signal.value
                + ("" if d.feeling_tested else " (richting, niet getoetst)"),
            ),
            cell(d.label, "verdict-bad" if d.diverges else ""),
        )
        for d in found
    ]
    data = table(
        "beleving-tabel",
        "Criminaliteit en veiligheidsgevoel per gebied",
        ("Gebied", "Jaren", "Criminaliteit", "Veiligheidsgevoel", "Oordeel"),
        rows,
    )
    return Section("beleving", "Objectief en subjectief", (intro, data))


def conclusions_section(view: View) -> Section:
    """The author's conclusions and proposed adjustments of every yearly evaluation so far."""
    found = view.inputs.evaluations
    if not found:
        return Section("conclusies", "Conclusies", (Paragraph(NO_CONCLUSIONS, "note"),))
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
                blocks.append(Bullets(tuple(f"Bijstelling: {text}" for text in item.adjustments)))
        signed = [evaluation.author] if evaluation.author else []
        if evaluation.saved_at is not None:
            signed.append(f"vastgelegd op {formatting.date(evaluation.saved_at)}")
        if signed:
            blocks.append(Paragraph("Auteur: " + ", ".join(signed) + ".", "note"))
        children.append(
            Section(f"conclusies-{evaluation.year}", f"Evaluatie {evaluation.year}", tuple(blocks))
        )
    intro = Paragraph(
        "De conclusies en voorgestelde bijstellingen zoals de auteur ze bij de jaarlijkse evaluatie "
        "heeft vastgelegd.",
        "lead",
    )
    return Section("conclusies", "Conclusies", (intro,), tuple(children))


def summary(view: View) -> Section:
    """The main lines, for a reader who reads one page."""
    verdicts = Counter(monitor.verdict(r.indicator, r.comparison) for r in view.status)
    items = [
        f"Indicatoren significant verbeterd sinds het basisjaar: {verdicts.get(monitor.IMPROVED, 0)}; "
        f"verslechterd: {verdicts.get(monitor.WORSENED, 0)}; zonder oordeel: "
        f"{len(view.status) - verdicts.get(monitor.IMPROVED, 0) - verdicts.get(monitor.WORSENED, 0)}.",
    ]
    analysis = view.inputs.hotspots
    if analysis is not None:
        hot = sum(n for k, n in analysis.counts().items() if k.startswith("hotspot"))
        items.append(f"Hotspots in {analysis.period}: {hot} van {analysis.analysed} buurten.")
    emerging = view.inputs.emerging
    if emerging is not None:
        items.append(
            "Opkomende hotspots: " + ", ".join(f"{n} {k}" for k, n in emerging.counts().items()) + "."
        )
    else:
        items.append(f"Opkomende hotspots: niet te bepalen. {view.inputs.emerging_note}")
    items.append(f"Acties vastgelegd: {len(view.actions)}.")
    items.append(
        "Conclusies van de auteur: "
        + (
            f"vastgelegd voor {', '.join(str(e.year) for e in view.inputs.evaluations)}."
            if view.inputs.evaluations
            else "nog niet vastgelegd."
        )
    )
    intro = Paragraph(
        f"Halverwege het {view.programme.title}: wat zeggen de cijfers tot en met {view.year}?", "lead"
    )
    return Section("samenvatting", "Samenvatting", (intro, Bullets(tuple(items))))


def build(view: View) -> tuple[Section, ...]:
    """The sections of the mid-term evaluation."""
    return (
        summary(view),
        themes_section(view),
        levels_section(view),
        hotspots.hotspot_section(view),
        hotspots.emerging_section(view),
        divergence_section(view),
        Section("acties", "Acties en evaluaties", actions_blocks(view, view.actions, "acties-tabel")),
        conclusions_section(view),
        method_section(view),
        sources_section(view),
    )
