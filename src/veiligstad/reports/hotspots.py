# SPDX-License-Identifier: EUPL-1.2
"""Hotspot sections of the mid-term evaluation: the Gi* hotspots of the latest buurt year as
a map with a table, and the emerging hotspots or the honest reason they cannot be shown.

In a public report the value column shows the public figures (``< 5`` for a withheld count),
and the disclosure rule of :func:`veiligstad.services.hotspots.public_frame` applies: a buurt
with a withheld count shows no category (``afgeschermd``), z or p of its own, its neighbours
no z and p. The method bullets say which measure was analysed, which buurten were left out
(non-residential, for rates), that sign and p come from one two-sided test, and whether the
Benjamini–Hochberg correction was applied.
"""

from __future__ import annotations

from veiligstad import formatting
from veiligstad.reports import charts, language
from veiligstad.reports.figures import cell, features, figure, number, table
from veiligstad.reports.language import label, say
from veiligstad.reports.model import Block, Bullets, Chart, Paragraph, Section
from veiligstad.reports.view import View
from veiligstad.services.reporting import Inputs

#: Shown instead of z and p where a withheld count could be worked back from them.
MASKED = "afgeschermd"


def hotspot_section(view: View) -> Section:
    """Gi* hotspots of the latest buurt year: map, counts and table."""
    inputs: Inputs = view.inputs
    analysis = inputs.hotspots
    if analysis is None:
        why = label(inputs.hotspot_note) or say("Geen hotspotanalyse.", "No hotspot analysis.")
        return Section("hotspots", "Hotspots", (Paragraph(why),))
    from veiligstad.services.hotspots import EXPLANATION, masked, public_frame

    indicator = view.indicator(analysis.indicator.id) or analysis.indicator
    public = view.values[
        (view.values["indicator_id"] == indicator.id) & (view.values["period"] == analysis.period)
    ]
    shown = {str(r.area_code): figure(r.value, indicator.decimals, r.disclosure) for r in public.itertuples()}
    withheld = set(public.loc[public["suppressed"].astype(bool), "area_code"].astype(str))
    _, hidden = masked(analysis, withheld) if view.public else (set(), set())
    frame = (public_frame(analysis, withheld) if view.public else analysis.frame).sort_values("area_name")
    categories = {str(c): label(str(k)) for c, k in zip(frame["area_code"], frame["category"], strict=True)}
    colours = {label(k): colour for k, colour in {**charts.HOTSPOT_COLOURS, MASKED: "#969696"}.items()}
    spec = charts.printable(
        charts.category_map(
            features(view.snapshot, frame["area_code"], category=categories),
            colours,
            title="Gi*",
            height=380,
        )
    )
    counts = analysis.counts()
    summary = ", ".join(f"{n} {label(k)}" for k, n in counts.items())
    masked_text = label(MASKED)
    rows = [
        (
            cell(str(r.area_name)),
            cell(shown.get(str(r.area_code), formatting.MISSING)),
            cell(label(str(r.category))),
            cell(masked_text if r.area_code in hidden else number(r.z, 2)),
            cell(masked_text if r.area_code in hidden else number(r.p_fdr, 3)),
            cell("; ".join(label(flag) for flag in str(r.flags or "").split("; ")) if r.flags else ""),
        )
        for r in frame.itertuples()
    ]
    data = table(
        "hotspots-tabel",
        say(
            "Gi* per buurt: {name} {period} ({unit})",
            "Gi* per neighbourhood: {name} {period} ({unit})",
            name=indicator.name.lower(),
            period=analysis.period,
            unit=indicator.unit,
        ),
        (
            say("Buurt", "Neighbourhood"),
            say("Waarde", "Value"),
            say("Categorie", "Category"),
            "z",
            "p (FDR)",
            say("Opmerking", "Remark"),
        ),
        rows,
        (False, True, False, True, True, False),
    )
    alt = say(
        "Kaart van de buurten van {city} met de uitkomst van de hotspotanalyse (Gi*) voor {name} in "
        "{period}: {summary}. De uitkomst per buurt staat in de tabel.",
        "Map of the neighbourhoods of {city} with the outcome of the hotspot analysis (Gi*) for {name} in "
        "{period}: {summary}. The outcome per neighbourhood is in the table.",
        city=view.city,
        name=indicator.name.lower(),
        period=analysis.period,
        summary=summary,
    )
    caption = say(
        "Hotspots en coldspots per buurt, {period}",
        "Hotspots and coldspots per neighbourhood, {period}",
        period=analysis.period,
    )
    chart = Chart("hotspots-kaart", caption, alt, spec, data, wide=True)
    smoothed = (
        say("empirical-Bayes-gladgestreken", "empirical-Bayes-smoothed")
        if analysis.smoothing != "geen"
        else say("de", "the")
    )
    correction = (
        say(
            "Benjamini–Hochberg-correctie voor het aantal buurten",
            "Benjamini–Hochberg correction for the number of neighbourhoods",
        )
        if analysis.fdr
        else say("zonder correctie voor meervoudig toetsen", "without correction for multiple testing")
    )
    method = say(
        "Getis–Ord Gi* op {smoothed} cijfers ({measure}), Queen-buren, {n} permutaties (startwaarde {seed}); "
        "richting en p uit dezelfde, tweezijdige toets; {correction}.",
        "Getis–Ord Gi* on {smoothed} figures ({measure}), Queen neighbours, {n} permutations (seed {seed}); "
        "direction and p from the same two-sided test; {correction}.",
        smoothed=smoothed,
        measure=label(analysis.measure.label),
        n=language.number(analysis.permutations),
        seed=analysis.seed,
        correction=correction,
    )
    items = [
        say(
            "Uitkomst over {n} buurten: {summary}.",
            "Outcome over {n} neighbourhoods: {summary}.",
            n=analysis.analysed,
            summary=summary,
        ),
        method,
    ]
    if analysis.left_out:
        names = ", ".join(name or code for code, name, _ in analysis.left_out)
        items.append(
            say(
                "Niet geanalyseerd als niet-woongebied (minder dan {n} inwoners; een cijfer per inwoner zegt "
                "daar weinig): {names}.",
                "Not analysed as a non-residential area (fewer than {n} inhabitants; a rate per inhabitant "
                "says little there): {names}.",
                n=analysis.min_residents,
                names=names,
            )
        )
    if hidden:
        items.append(
            say(
                "Afgeschermd ({masked}): de categorie, z en p van een buurt met een afgeschermd aantal en "
                "z en p van haar buren; daaruit zou het kleine aantal terug te rekenen zijn. De categorie "
                "van de buren blijft zichtbaar.",
                "Withheld ({masked}): the category, z and p of a neighbourhood with a withheld count and "
                "z and p of its neighbours; the small count could be worked back from them. The category "
                "of the neighbours stays visible.",
                masked=masked_text,
            )
        )
    blocks = (
        Paragraph(label(EXPLANATION)),
        Bullets(tuple(items)),
        chart,
    )
    return Section("hotspots", say("Hotspots in {p}", "Hotspots in {p}", p=analysis.period), blocks)


def emerging_section(view: View) -> Section:
    """Emerging hotspots, or why there are none to show."""
    inputs = view.inputs
    found = inputs.emerging
    title = say("Opkomende hotspots", "Emerging hotspots")
    if found is None:
        why = label(inputs.emerging_note) or say(
            "Geen analyse van opkomende hotspots.", "No analysis of emerging hotspots."
        )
        text = say(
            "Een opkomende hotspot is een buurt die over de jaren (of maanden) steeds vaker of sterker een "
            "hotspot wordt. Daarvoor is een reeks van minstens tien perioden per buurt nodig.",
            "An emerging hotspot is a neighbourhood that becomes a hotspot more often or more strongly over "
            "the years (or months). That needs a series of at least ten periods per neighbourhood.",
        )
        return Section("opkomend", title, (Paragraph(text), Paragraph(why, "callout")))
    counts = found.counts()
    correction = (
        say(
            "gecorrigeerd voor meervoudig toetsen (Benjamini–Hochberg)",
            "corrected for multiple testing (Benjamini–Hochberg)",
        )
        if found.fdr
        else say("niet gecorrigeerd voor meervoudig toetsen", "not corrected for multiple testing")
    )
    rows = [
        (
            cell(str(r.area_name)),
            cell(label(str(r.category))),
            cell(str(r.hot_steps)),
            cell(str(r.cold_steps)),
        )
        for r in found.frame.sort_values("area_name").itertuples()
        if r.category not in ("geen patroon",)
    ]
    blocks: list[Block] = [
        Paragraph(
            say(
                "Perioden {first}–{last} ({n} stappen); per periode tweezijdig getoetst en {correction}.",
                "Periods {first}–{last} ({n} steps); tested two-sided per period and {correction}.",
                first=found.periods[0],
                last=found.periods[-1],
                n=len(found.periods),
                correction=correction,
            )
        ),
        Bullets(tuple(f"{label(k)}: {n}" for k, n in counts.items())),
    ]
    if rows:
        blocks.append(
            table(
                "opkomend-tabel",
                say("Buurten met een patroon", "Neighbourhoods with a pattern"),
                (
                    say("Buurt", "Neighbourhood"),
                    say("Categorie", "Category"),
                    say("Perioden hot", "Periods hot"),
                    say("Perioden cold", "Periods cold"),
                ),
                rows,
                (False, False, True, True),
            )
        )
    return Section("opkomend", title, tuple(blocks))
