# SPDX-License-Identifier: EUPL-1.2
"""Voortgangsrapportage: the P&C paragraph on the MJP, compact enough for a council member.

Per theme the indicators against the baseline, with their significance label and verdict
(the programme sets no targets: that is said, not invented), published next to computed
values, a trend chart where there are at least two computed years, and the actions.
"""

from __future__ import annotations

from collections import Counter

from veiligstad.domain.programme import Theme
from veiligstad.reports.model import Block, Bullets, Paragraph, Section
from veiligstad.reports.sections import (
    NO_ACTIONS,
    actions_blocks,
    indicator_charts,
    method_section,
    reconciliation_table,
    sources_section,
    status_table,
)
from veiligstad.reports.view import View
from veiligstad.services import monitor

#: Verdicts in the order the summary lists them.
VERDICTS = (monitor.IMPROVED, monitor.WORSENED, "geen significante verandering", "te weinig gegevens")


def _names(rows: list[monitor.StatusRow]) -> str:
    return ", ".join(r.indicator.name.lower() for r in rows)


def summary(view: View) -> Section:
    """What a council member reads first: how many indicators improved, worsened, or cannot tell."""
    programme = view.programme
    by_verdict: dict[str, list[monitor.StatusRow]] = {}
    for row in view.status:
        by_verdict.setdefault(monitor.verdict(row.indicator, row.comparison), []).append(row)
    items = []
    for verdict in VERDICTS:
        rows = by_verdict.get(verdict, [])
        if verdict in (monitor.IMPROVED, monitor.WORSENED):
            items.append(f"Significant {verdict}: {len(rows)}" + (f" ({_names(rows)})." if rows else "."))
        else:
            items.append(f"{verdict.capitalize()}: {len(rows)}" + (f" ({_names(rows)})." if rows else "."))
    counts = Counter(a.status.value for a in view.actions)
    if view.actions:
        listed = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        items.append(f"Acties in het uitvoeringsprogramma: {len(view.actions)} ({listed}).")
    else:
        items.append(NO_ACTIONS)
    intro = (
        f"Deze rapportage beschrijft de voortgang van het {programme.title} tot en met {view.year}. "
        f"Elke indicator staat tegenover het basisjaar {programme.baseline_year}; een verandering telt "
        "alleen als ze groter is dan toeval. Het programma legt geen streefwaarden vast."
    )
    return Section(
        "samenvatting",
        "Samenvatting",
        (
            Paragraph(intro, "lead"),
            Paragraph(f"Oordeel over {len(view.status)} indicatoren:"),
            Bullets(tuple(items)),
        ),
    )


def theme_section(view: View, theme: Theme, rows: list[monitor.StatusRow]) -> Section:
    """One theme: its indicators against the baseline, charts, published vs computed, actions."""
    prefix = f"thema-{theme.id}"
    kind = "Speerpunt" if theme.kind.value == "speerpunt" else "Aandachtspunt"
    blocks: list[Block] = [Paragraph(f"{kind} van het programma. {theme.description}".strip(), "note")]
    if rows:
        blocks.append(Paragraph(f"Oordeel over dit thema: {monitor.theme_verdict(rows).text()}.", "callout"))
        blocks.append(status_table(f"{prefix}-status", f"Indicatoren van {theme.name}", rows))
        blocks += indicator_charts(view, rows, prefix)
        reconciled = reconciliation_table(
            view, f"{prefix}-aansluiting", "Gepubliceerd en berekend", [r.indicator for r in rows]
        )
        if reconciled is not None:
            blocks.append(reconciled)
    else:
        blocks.append(Paragraph(monitor.NO_EFFECT_INDICATORS))
    evaluation = next((e for e in view.inputs.evaluations if e.year == view.year), None)
    concluded = evaluation.conclusion(theme.id) if evaluation is not None else None
    if concluded is not None and concluded.conclusion:
        blocks.append(Paragraph(f"Conclusie {view.year}: {concluded.conclusion}", "callout"))
    if concluded is not None and concluded.adjustments:
        blocks.append(Bullets(tuple(f"Bijstelling: {text}" for text in concluded.adjustments)))
    own = [a for a in view.actions if theme.id in a.themes]
    if own:
        blocks.append(Paragraph(f"Acties ({len(own)}; details in hoofdstuk Acties):"))
        blocks.append(Bullets(tuple(f"{a.title} – {a.status.value}" for a in own)))
    elif view.actions:
        blocks.append(Paragraph("Geen acties vastgelegd voor dit thema.", "note"))
    return Section(prefix, theme.name, tuple(blocks))


def build(view: View) -> tuple[Section, ...]:
    """The sections of the progress report."""
    by_theme: dict[str | None, list[monitor.StatusRow]] = {}
    for row in view.status:
        by_theme.setdefault(row.theme_id, []).append(row)
    themes = tuple(theme_section(view, t, by_theme.get(t.id, [])) for t in view.programme.themes)
    sections = [summary(view), Section("themas", "Voortgang per thema", children=themes)]
    context = by_theme.get(None, [])
    if context:
        blocks: list[Block] = [
            Paragraph("Indicatoren die het programma volgt zonder ze aan een thema te koppelen.", "note"),
            status_table("context-status", "Contextindicatoren", context),
            *indicator_charts(view, context, "context"),
        ]
        sections.append(Section("context", "Contextindicatoren", tuple(blocks)))
    sections.append(Section("acties", "Acties", actions_blocks(view, view.actions, "acties-tabel")))
    sections += [method_section(view), sources_section(view)]
    return tuple(sections)
