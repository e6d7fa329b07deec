# SPDX-License-Identifier: EUPL-1.2
"""Voortgangsrapportage: the P&C paragraph on the MJP, compact enough for a council member.

Per theme the indicators against the baseline, with their significance label and verdict
(the programme sets no targets: that is said, not invented), published next to computed
values, a trend chart where there are at least two computed years, and the actions.
"""

from __future__ import annotations

from collections import Counter

from veiligstad.domain.programme import Theme
from veiligstad.reports.language import label, say
from veiligstad.reports.model import Block, Bullets, Paragraph, Section
from veiligstad.reports.sections import (
    actions_blocks,
    indicator_charts,
    method_section,
    no_actions,
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
        listed = f" ({_names(rows)})." if rows else "."
        if verdict in (monitor.IMPROVED, monitor.WORSENED):
            items.append(
                say("Significant {v}: {n}", "Significantly {v}: {n}", v=label(verdict), n=len(rows)) + listed
            )
        else:
            items.append(f"{label(verdict).capitalize()}: {len(rows)}{listed}")
    counts = Counter(a.status.value for a in view.actions)
    if view.actions:
        listed = ", ".join(f"{n} {label(status)}" for status, n in sorted(counts.items()))
        items.append(
            say(
                "Acties in het uitvoeringsprogramma: {n} ({listed}).",
                "Actions in the implementation programme: {n} ({listed}).",
                n=len(view.actions),
                listed=listed,
            )
        )
    else:
        items.append(no_actions())
    intro = say(
        "Deze rapportage beschrijft de voortgang van het {title} tot en met {year}. Elke indicator staat "
        "tegenover het basisjaar {baseline}; een verandering telt alleen als ze groter is dan toeval. Het "
        "programma legt geen streefwaarden vast.",
        "This report describes the progress of the {title} up to and including {year}. Every indicator "
        "is set against the baseline year {baseline}; a change only counts when it is larger than chance. "
        "The programme sets no targets.",
        title=programme.title,
        year=view.year,
        baseline=programme.baseline_year,
    )
    return Section(
        "samenvatting",
        say("Samenvatting", "Summary"),
        (
            Paragraph(intro, "lead"),
            Paragraph(say("Oordeel over {n} indicatoren:", "Verdict on {n} indicators:", n=len(view.status))),
            Bullets(tuple(items)),
        ),
    )


def theme_section(view: View, theme: Theme, rows: list[monitor.StatusRow]) -> Section:
    """One theme: its indicators against the baseline, charts, published vs computed, actions."""
    prefix = f"thema-{theme.id}"
    kind = label(theme.kind.value.capitalize())
    part = say("{kind} van het programma.", "{kind} of the programme.", kind=kind)
    blocks: list[Block] = [Paragraph(f"{part} {theme.description}".strip(), "note")]
    if rows:
        verdict = label(monitor.theme_verdict(rows).text())
        blocks.append(
            Paragraph(
                say("Oordeel over dit thema: {v}.", "Verdict on this theme: {v}.", v=verdict), "callout"
            )
        )
        caption = say("Indicatoren van {theme}", "Indicators of {theme}", theme=theme.name)
        blocks.append(status_table(f"{prefix}-status", caption, rows))
        blocks += indicator_charts(view, rows, prefix)
        reconciled = reconciliation_table(
            view,
            f"{prefix}-aansluiting",
            say("Gepubliceerd en berekend", "Published and computed"),
            [r.indicator for r in rows],
        )
        if reconciled is not None:
            blocks.append(reconciled)
    else:
        blocks.append(Paragraph(label(monitor.NO_EFFECT_INDICATORS)))
    evaluation = next((e for e in view.inputs.evaluations if e.year == view.year), None)
    concluded = evaluation.conclusion(theme.id) if evaluation is not None else None
    if concluded is not None and concluded.conclusion:
        head = say("Conclusie {year}", "Conclusion {year}", year=view.year)
        blocks.append(Paragraph(f"{head}: {concluded.conclusion}", "callout"))
    if concluded is not None and concluded.adjustments:
        adjustment = say("Bijstelling", "Adjustment")
        blocks.append(Bullets(tuple(f"{adjustment}: {text}" for text in concluded.adjustments)))
    own = [a for a in view.actions if theme.id in a.themes]
    if own:
        blocks.append(
            Paragraph(
                say(
                    "Acties ({n}; details in hoofdstuk Acties):",
                    "Actions ({n}; details in the chapter Actions):",
                    n=len(own),
                )
            )
        )
        blocks.append(Bullets(tuple(f"{a.title} – {label(a.status.value)}" for a in own)))
    elif view.actions:
        blocks.append(
            Paragraph(
                say("Geen acties vastgelegd voor dit thema.", "No actions recorded for this theme."), "note"
            )
        )
    return Section(prefix, theme.name, tuple(blocks))


def build(view: View) -> tuple[Section, ...]:
    """The sections of the progress report."""
    by_theme: dict[str | None, list[monitor.StatusRow]] = {}
    for row in view.status:
        by_theme.setdefault(row.theme_id, []).append(row)
    themes = tuple(theme_section(view, t, by_theme.get(t.id, [])) for t in view.programme.themes)
    sections = [
        summary(view),
        Section("themas", say("Voortgang per thema", "Progress per theme"), children=themes),
    ]
    context = by_theme.get(None, [])
    if context:
        title = say("Contextindicatoren", "Context indicators")
        blocks: list[Block] = [
            Paragraph(
                say(
                    "Indicatoren die het programma volgt zonder ze aan een thema te koppelen.",
                    "Indicators the programme follows without linking them to a theme.",
                ),
                "note",
            ),
            status_table("context-status", title, context),
            *indicator_charts(view, context, "context"),
        ]
        sections.append(Section("context", title, tuple(blocks)))
    actions = actions_blocks(view, view.actions, "acties-tabel")
    sections.append(Section("acties", say("Acties", "Actions"), actions))
    sections += [method_section(view), sources_section(view)]
    return tuple(sections)
