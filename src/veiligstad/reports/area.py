# SPDX-License-Identifier: EUPL-1.2
"""Gebiedsprofiel: one stadsdeel, wijk or buurt on paper, for the stadsdeelregisseur,
wijkagent and partners.

Key figures (inhabitants and the CBS key figures), where the area lies (a map with the area
highlighted), every indicator against the rest of the municipality with its significance
label, trends where the area has at least two computed years, registered crime next to
feelings of safety, and the actions in the area. The figures are those of the area page
(``services.profiles``), cut to the report's year.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from veiligstad import formatting
from veiligstad.domain.areas import AreaLevel
from veiligstad.errors import BadRequest, NotFound
from veiligstad.reports import charts
from veiligstad.reports.figures import (
    cell,
    computed_years,
    features,
    figure,
    interval,
    label,
    number,
    table,
    trend_chart,
    yearly,
)
from veiligstad.reports.model import Block, Bullets, Chart, KeyFigure, KeyFigures, Paragraph, Section
from veiligstad.reports.sections import actions_blocks, indicator_cell, sources_section
from veiligstad.reports.view import View
from veiligstad.services import actions as action_service
from veiligstad.services import profiles, trends

#: Levels an area profile is made for.
LEVELS = (AreaLevel.STADSDEEL.value, AreaLevel.WIJK.value, AreaLevel.BUURT.value)
PLURAL = {"stadsdeel": "stadsdelen", "wijk": "wijken", "buurt": "buurten"}


def resolve(view: View, code: str) -> dict[str, Any]:
    """The area's register row; NotFound for an unknown code, BadRequest for an area that is not
    a stadsdeel, wijk or buurt of the programme's municipality."""
    wanted = code.strip().upper()
    area = view.snapshot.area(wanted)
    if area is None:
        raise NotFound(f"Onbekend gebied '{code}'.", hint="Zie `veiligstad areas` voor de gebiedscodes.")
    if area.get("gemeente_code") != view.municipality or area["level"] not in LEVELS:
        name = area.get("name") or wanted
        raise BadRequest(
            f"Een gebiedsprofiel is er voor een stadsdeel, wijk of buurt van {view.city}; "
            f"'{wanted}' is {area['level']} {name}.",
            hint="Zie `veiligstad areas` voor de stadsdelen, wijken en buurten.",
        )
    return area


def _profile(view: View, area: dict[str, Any]) -> profiles.Profile:
    """The area page's profile over the report's figures and key figures up to its year."""
    context = view.inputs.context
    if context is None:
        context = pd.DataFrame(columns=["measure", "area_code", "year", "value", "unit"])
    context = context[context["year"] <= view.year]
    return profiles.profile(
        view.values, view.definitions, view.snapshot.areas, area, context, view.snapshot.threshold
    )


def key_figures_section(view: View, profile: profiles.Profile) -> Section:
    """Inhabitants and the CBS key figures of the area."""
    figures = profile.figures
    if figures.empty:
        return Section(
            "kerncijfers", "Kerncijfers", (Paragraph("Er zijn geen kerncijfers voor dit gebied."),)
        )
    rows = [
        (
            cell(str(r.kenmerk), note=str(r.toelichting or "")),
            cell(str(r.jaar)),
            cell(figure(r.waarde, int(str(r.decimalen)), r.afscherming)),
            cell(str(r.eenheid)),
        )
        for r in figures.itertuples()
    ]
    blocks: list[Block] = []
    inhabitants = figures[figures["meting"] == "inwoners"]
    boxes = []
    if not inhabitants.empty:
        row = inhabitants.iloc[0]
        boxes.append(
            KeyFigure(
                "Inwoners", figure(row["waarde"], 0, row["afscherming"]), "", f"op 1 januari {row['jaar']}"
            )
        )
    compared = sorted(profile.with_data, key=lambda f: (f.versus is None, f.indicator.kind.value != "rate"))
    for found in compared[:2]:
        note = str(found.period)
        if found.versus is not None and found.other_value is not None:
            other = number(found.other_value, found.indicator.decimals)
            note += f"; rest van {view.city}: {other} ({found.between})"
        boxes.append(
            KeyFigure(
                found.indicator.name,
                figure(found.value, found.indicator.decimals, found.disclosure),
                found.indicator.unit,
                note,
            )
        )
    if boxes:
        blocks.append(KeyFigures(tuple(boxes)))
    blocks.append(
        table(
            "kerncijfers-tabel",
            f"Kerncijfers van {profile.name}",
            ("Kenmerk", "Jaar", "Waarde", "Eenheid"),
            rows,
            (False, False, True, False),
        )
    )
    return Section("kerncijfers", "Kerncijfers", tuple(blocks))


def location_section(view: View, profile: profiles.Profile) -> Section:
    """Where the area lies: a map of its level with the area highlighted, its parents and children."""
    area = profile.area
    level = str(area["level"])
    siblings = view.snapshot.own_areas(level)
    found = features(view.snapshot, siblings["code"])
    blocks: list[Block] = []
    parents = [f"{p.level} {p.name}" for p in profile.parents if p.level not in ("land",)]
    blocks.append(Paragraph(f"{profile.name} is een {level} in " + ", ".join(parents) + "."))
    if found:
        others = f"andere {PLURAL[level]}"
        spec = charts.printable(
            charts.highlight_map(found, str(area["code"]), label=profile.name, others=others, height=340)
        )
        rows = [(cell(profile.name), cell(f"{level} (dit gebied)"))]
        rows += [(cell(p.name), cell(p.level)) for p in profile.parents if p.level != "land"]
        data = table(
            "ligging-tabel", f"{profile.name} en de gebieden waarin het ligt", ("Gebied", "Niveau"), rows
        )
        alt = (
            f"Kaart van de {PLURAL[level]} van {view.city}; {profile.name} is donkerrood gekleurd, de andere "
            f"{PLURAL[level]} lichtblauw. De gebieden waarin het ligt staan in de tabel bij de kaart."
        )
        blocks.append(
            Chart("ligging-kaart", f"Ligging van {profile.name} in {view.city}", alt, spec, data, wide=True)
        )
    for child_level, links in profile.children.items():
        names = ", ".join(link.name for link in links)
        blocks.append(Paragraph(f"{PLURAL[child_level].capitalize()} in dit gebied: {names}."))
    return Section("ligging", "Ligging", tuple(blocks))


def indicators_section(view: View, profile: profiles.Profile) -> Section:
    """Every indicator of the area against the rest of the municipality, with its label."""
    rows = []
    for found in profile.with_data:
        decimals = found.indicator.decimals
        rows.append(
            (
                indicator_cell(found.indicator),
                cell(str(found.period), note=found.source),
                cell(
                    figure(found.value, decimals, found.disclosure),
                    note=interval(found.low, found.high, decimals),
                ),
                cell(number(found.other_value, decimals) if found.versus else formatting.MISSING),
                label(found.between) if found.versus else cell("geen vergelijking", "signal-little"),
            )
        )
    blocks: list[Block] = [
        Paragraph(
            f"Elk cijfer van {profile.name} tegenover de rest van {view.city} in hetzelfde jaar. "
            "'Significant hoger' of 'significant lager' staat er alleen als het verschil groter is dan "
            "toeval.",
            "lead",
        )
    ]
    if rows:
        blocks.append(
            table(
                "indicatoren-tabel",
                f"Indicatoren van {profile.name} en de rest van {view.city}",
                ("Indicator", "Jaar", profile.name, f"Rest van {view.city}", "Verschil"),
                rows,
                (False, False, True, True, False),
            )
        )
    missing = [f"{f.indicator.name}: {f.reason}" for f in profile.without_data]
    if missing:
        blocks += [Paragraph("Geen cijfers voor dit gebied:"), Bullets(tuple(missing))]
    for found in profile.with_data:
        series = yearly(view.values, found.indicator.id, str(profile.area["code"]), view.year)
        if computed_years(series) >= 2:
            report = trends.report_from_values(view.values, found.indicator, str(profile.area["code"]))
            blocks.append(
                trend_chart(
                    f"trend-{found.indicator.id}", found.indicator, series, profile.name, report.trend
                )
            )
    return Section("indicatoren", f"Indicatoren vergeleken met {view.city}", tuple(blocks))


def feeling_section(profile: profiles.Profile) -> Section:
    """Registered crime next to feelings of safety, or why that cannot be shown."""
    if not profile.divergences:
        return Section("beleving", "Criminaliteit en veiligheidsgevoel", (Paragraph(profile.feeling_note),))
    rows = [
        (
            cell(f"{d.before.label} → {d.after.label}"),
            cell(d.crime.name, note=d.crime_comparison.signal.value),
            cell(d.feeling.name, note=d.feeling_comparison.signal.value),
            cell(d.label, "verdict-bad" if d.diverges else ""),
        )
        for d in profile.divergences
    ]
    data = table(
        "beleving-tabel",
        "Criminaliteit en veiligheidsgevoel",
        ("Jaren", "Criminaliteit", "Veiligheidsgevoel", "Oordeel"),
        rows,
    )
    return Section("beleving", "Criminaliteit en veiligheidsgevoel", (data,))


def build(view: View, area: dict[str, Any]) -> tuple[Section, ...]:
    """The sections of an area profile."""
    profile = _profile(view, area)
    code = str(area["code"])
    related = action_service.related_areas(view.snapshot.areas, code)
    own = [a for a in view.actions if related & set(a.areas)]
    return (
        key_figures_section(view, profile),
        location_section(view, profile),
        indicators_section(view, profile),
        feeling_section(profile),
        Section("acties", "Acties in dit gebied", actions_blocks(view, own, "acties-tabel")),
        sources_section(view),
    )
