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
from veiligstad.reports import charts, language
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
from veiligstad.reports.language import say
from veiligstad.reports.model import Block, Bullets, Chart, KeyFigure, KeyFigures, Paragraph, Section
from veiligstad.reports.sections import actions_blocks, indicator_cell, sources_section
from veiligstad.reports.view import View
from veiligstad.services import actions as action_service
from veiligstad.services import profiles, trends

#: Levels an area profile is made for.
LEVELS = (AreaLevel.STADSDEEL.value, AreaLevel.WIJK.value, AreaLevel.BUURT.value)
PLURAL = {"stadsdeel": "stadsdelen", "wijk": "wijken", "buurt": "buurten"}
PLURAL_EN = {"stadsdeel": "districts", "wijk": "wards", "buurt": "neighbourhoods"}


def plural(level: str) -> str:
    """``buurten`` / ``neighbourhoods``."""
    return say(PLURAL[level], PLURAL_EN[level])


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
    title = say("Kerncijfers", "Key figures")
    if figures.empty:
        return Section(
            "kerncijfers",
            title,
            (
                Paragraph(
                    say(
                        "Er zijn geen kerncijfers voor dit gebied.", "There are no key figures for this area."
                    )
                ),
            ),
        )
    rows = [
        (
            cell(language.label(str(r.kenmerk)), note=language.label(str(r.toelichting or ""))),
            cell(str(r.jaar)),
            cell(figure(r.waarde, int(str(r.decimalen)), r.afscherming)),
            cell(language.label(str(r.eenheid))),
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
                say("Inwoners", "Inhabitants"),
                figure(row["waarde"], 0, row["afscherming"]),
                "",
                say("op 1 januari {year}", "on 1 January {year}", year=row["jaar"]),
            )
        )
    compared = sorted(profile.with_data, key=lambda f: (f.versus is None, f.indicator.kind.value != "rate"))
    for found in compared[:2]:
        note = str(found.period)
        if found.versus is not None and found.other_value is not None:
            other = number(found.other_value, found.indicator.decimals)
            rest = say("rest van {city}", "rest of {city}", city=view.city)
            note += f"; {rest}: {other} ({language.label(found.between)})"
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
            say("Kerncijfers van {name}", "Key figures of {name}", name=profile.name),
            (
                say("Kenmerk", "Characteristic"),
                say("Jaar", "Year"),
                say("Waarde", "Value"),
                say("Eenheid", "Unit"),
            ),
            rows,
            (False, False, True, False),
        )
    )
    return Section("kerncijfers", title, tuple(blocks))


def location_section(view: View, profile: profiles.Profile) -> Section:
    """Where the area lies: a map of its level with the area highlighted, its parents and children."""
    area = profile.area
    level = str(area["level"])
    siblings = view.snapshot.own_areas(level)
    found = features(view.snapshot, siblings["code"])
    blocks: list[Block] = []
    parents = [f"{language.label(p.level)} {p.name}" for p in profile.parents if p.level not in ("land",)]
    blocks.append(
        Paragraph(
            say(
                "{name} is een {level} in {parents}.",
                "{name} is a {level} in {parents}.",
                name=profile.name,
                level=language.label(level),
                parents=", ".join(parents),
            )
        )
    )
    if found:
        others = say("andere {areas}", "other {areas}", areas=plural(level))
        spec = charts.printable(
            charts.highlight_map(found, str(area["code"]), label=profile.name, others=others, height=340)
        )
        rows = [
            (
                cell(profile.name),
                cell(say("{level} (dit gebied)", "{level} (this area)", level=language.label(level))),
            )
        ]
        rows += [(cell(p.name), cell(language.label(p.level))) for p in profile.parents if p.level != "land"]
        data = table(
            "ligging-tabel",
            say(
                "{name} en de gebieden waarin het ligt", "{name} and the areas it lies in", name=profile.name
            ),
            (say("Gebied", "Area"), say("Niveau", "Level")),
            rows,
        )
        alt = say(
            "Kaart van de {areas} van {city}; {name} is donkerrood gekleurd, de andere {areas} lichtblauw. "
            "De gebieden waarin het ligt staan in de tabel bij de kaart.",
            "Map of the {areas} of {city}; {name} is coloured dark red, the other {areas} light blue. The "
            "areas it lies in are in the table with the map.",
            areas=plural(level),
            city=view.city,
            name=profile.name,
        )
        caption = say(
            "Ligging van {name} in {city}", "Location of {name} in {city}", name=profile.name, city=view.city
        )
        blocks.append(Chart("ligging-kaart", caption, alt, spec, data, wide=True))
    for child_level, links in profile.children.items():
        names = ", ".join(link.name for link in links)
        blocks.append(
            Paragraph(
                say(
                    "{areas} in dit gebied: {names}.",
                    "{areas} in this area: {names}.",
                    areas=plural(child_level).capitalize(),
                    names=names,
                )
            )
        )
    return Section("ligging", say("Ligging", "Location"), tuple(blocks))


def indicators_section(view: View, profile: profiles.Profile) -> Section:
    """Every indicator of the area against the rest of the municipality, with its label."""
    rows = []
    for found in profile.with_data:
        decimals = found.indicator.decimals
        rows.append(
            (
                indicator_cell(found.indicator),
                cell(str(found.period), note=language.label(found.source)),
                cell(
                    figure(found.value, decimals, found.disclosure),
                    note=interval(found.low, found.high, decimals),
                ),
                cell(number(found.other_value, decimals) if found.versus else formatting.MISSING),
                label(found.between)
                if found.versus
                else cell(say("geen vergelijking", "no comparison"), "signal-little"),
            )
        )
    blocks: list[Block] = [
        Paragraph(
            say(
                "Elk cijfer van {name} tegenover de rest van {city} in hetzelfde jaar. 'Significant hoger' "
                "of 'significant lager' staat er alleen als het verschil groter is dan toeval.",
                "Every figure of {name} against the rest of {city} in the same year. 'Significantly higher' "
                "or 'significantly lower' is only shown when the difference is larger than chance.",
                name=profile.name,
                city=view.city,
            ),
            "lead",
        )
    ]
    if rows:
        blocks.append(
            table(
                "indicatoren-tabel",
                say(
                    "Indicatoren van {name} en de rest van {city}",
                    "Indicators of {name} and the rest of {city}",
                    name=profile.name,
                    city=view.city,
                ),
                (
                    "Indicator",
                    say("Jaar", "Year"),
                    profile.name,
                    say("Rest van {city}", "Rest of {city}", city=view.city),
                    say("Verschil", "Difference"),
                ),
                rows,
                (False, False, True, True, False),
            )
        )
    missing = [f"{f.indicator.name}: {language.label(f.reason)}" for f in profile.without_data]
    if missing:
        blocks += [
            Paragraph(say("Geen cijfers voor dit gebied:", "No figures for this area:")),
            Bullets(tuple(missing)),
        ]
    for found in profile.with_data:
        series = yearly(view.values, found.indicator.id, str(profile.area["code"]), view.year)
        if computed_years(series) >= 2:
            report = trends.report_from_values(view.values, found.indicator, str(profile.area["code"]))
            blocks.append(
                trend_chart(
                    f"trend-{found.indicator.id}", found.indicator, series, profile.name, report.trend
                )
            )
    title = say("Indicatoren vergeleken met {city}", "Indicators compared with {city}", city=view.city)
    return Section("indicatoren", title, tuple(blocks))


def feeling_section(profile: profiles.Profile) -> Section:
    """Registered crime next to feelings of safety, or why that cannot be shown."""
    title = say("Criminaliteit en veiligheidsgevoel", "Crime and feelings of safety")
    if not profile.divergences:
        return Section("beleving", title, (Paragraph(language.label(profile.feeling_note)),))
    rows = [
        (
            cell(f"{d.before.label} → {d.after.label}"),
            cell(d.crime.name, note=language.label(d.crime_comparison.signal.value)),
            cell(d.feeling.name, note=language.label(d.feeling_comparison.signal.value)),
            cell(language.label(d.label), "verdict-bad" if d.diverges else ""),
        )
        for d in profile.divergences
    ]
    headers = (
        say("Jaren", "Years"),
        say("Criminaliteit", "Crime"),
        say("Veiligheidsgevoel", "Feeling of safety"),
        say("Oordeel", "Verdict"),
    )
    data = table("beleving-tabel", title, headers, rows)
    return Section("beleving", title, (data,))


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
        Section(
            "acties",
            say("Acties in dit gebied", "Actions in this area"),
            actions_blocks(view, own, "acties-tabel"),
        ),
        sources_section(view),
    )
