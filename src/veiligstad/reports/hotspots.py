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
from veiligstad.reports import charts
from veiligstad.reports.figures import cell, features, figure, number, table
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
        return Section("hotspots", "Hotspots", (Paragraph(inputs.hotspot_note or "Geen hotspotanalyse."),))
    from veiligstad.services.hotspots import EXPLANATION, masked, public_frame

    indicator = analysis.indicator
    public = view.values[
        (view.values["indicator_id"] == indicator.id) & (view.values["period"] == analysis.period)
    ]
    shown = {str(r.area_code): figure(r.value, indicator.decimals, r.disclosure) for r in public.itertuples()}
    withheld = set(public.loc[public["suppressed"].astype(bool), "area_code"].astype(str))
    _, hidden = masked(analysis, withheld) if view.public else (set(), set())
    frame = (public_frame(analysis, withheld) if view.public else analysis.frame).sort_values("area_name")
    categories = {str(c): str(k) for c, k in zip(frame["area_code"], frame["category"], strict=True)}
    spec = charts.printable(
        charts.category_map(
            features(view.snapshot, frame["area_code"], category=categories),
            {**charts.HOTSPOT_COLOURS, MASKED: "#969696"},
            title="Gi*",
            height=380,
        )
    )
    counts = analysis.counts()
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    rows = [
        (
            cell(str(r.area_name)),
            cell(shown.get(str(r.area_code), formatting.MISSING)),
            cell(str(r.category)),
            cell(MASKED if r.area_code in hidden else number(r.z, 2)),
            cell(MASKED if r.area_code in hidden else number(r.p_fdr, 3)),
            cell(str(r.flags or "")),
        )
        for r in frame.itertuples()
    ]
    data = table(
        "hotspots-tabel",
        f"Gi* per buurt: {indicator.name.lower()} {analysis.period} ({indicator.unit})",
        ("Buurt", "Waarde", "Categorie", "z", "p (FDR)", "Opmerking"),
        rows,
        (False, True, False, True, True, False),
    )
    alt = (
        f"Kaart van de buurten van {view.city} met de uitkomst van de hotspotanalyse (Gi*) voor "
        f"{indicator.name.lower()} in {analysis.period}: {summary}. De uitkomst per buurt staat in de tabel."
    )
    chart = Chart(
        "hotspots-kaart", f"Hotspots en coldspots per buurt, {analysis.period}", alt, spec, data, wide=True
    )
    smoothed = "empirical-Bayes-gladgestreken" if analysis.smoothing != "geen" else "de"
    correction = (
        "Benjamini–Hochberg-correctie voor het aantal buurten"
        if analysis.fdr
        else "zonder correctie voor meervoudig toetsen"
    )
    method = (
        f"Getis–Ord Gi* op {smoothed} cijfers ({analysis.measure.label}), "
        f"Queen-buren, {formatting.number(analysis.permutations)} permutaties (startwaarde {analysis.seed}); "
        f"richting en p uit dezelfde, tweezijdige toets; {correction}."
    )
    items = [f"Uitkomst over {analysis.analysed} buurten: {summary}.", method]
    if analysis.left_out:
        names = ", ".join(name or code for code, name, _ in analysis.left_out)
        items.append(
            f"Niet geanalyseerd als niet-woongebied (minder dan {analysis.min_residents} inwoners; "
            f"een cijfer per inwoner zegt daar weinig): {names}."
        )
    if hidden:
        items.append(
            f"Afgeschermd ({MASKED}): de categorie, z en p van een buurt met een afgeschermd aantal en "
            "z en p van haar buren; daaruit zou het kleine aantal terug te rekenen zijn. De categorie "
            "van de buren blijft zichtbaar."
        )
    blocks = (
        Paragraph(EXPLANATION),
        Bullets(tuple(items)),
        chart,
    )
    return Section("hotspots", f"Hotspots in {analysis.period}", blocks)


def emerging_section(view: View) -> Section:
    """Emerging hotspots, or why there are none to show."""
    inputs = view.inputs
    found = inputs.emerging
    if found is None:
        why = inputs.emerging_note or "Geen analyse van opkomende hotspots."
        text = (
            "Een opkomende hotspot is een buurt die over de jaren (of maanden) steeds vaker of sterker een "
            "hotspot wordt. Daarvoor is een reeks van minstens tien perioden per buurt nodig."
        )
        return Section("opkomend", "Opkomende hotspots", (Paragraph(text), Paragraph(why, "callout")))
    counts = found.counts()
    correction = (
        "gecorrigeerd voor meervoudig toetsen (Benjamini–Hochberg)"
        if found.fdr
        else "niet gecorrigeerd voor meervoudig toetsen"
    )
    rows = [
        (cell(str(r.area_name)), cell(str(r.category)), cell(str(r.hot_steps)), cell(str(r.cold_steps)))
        for r in found.frame.sort_values("area_name").itertuples()
        if r.category not in ("geen patroon",)
    ]
    blocks: list[Block] = [
        Paragraph(
            f"Perioden {found.periods[0]}–{found.periods[-1]} ({len(found.periods)} stappen); per periode "
            f"tweezijdig getoetst en {correction}."
        ),
        Bullets(tuple(f"{k}: {n}" for k, n in counts.items())),
    ]
    if rows:
        blocks.append(
            table(
                "opkomend-tabel",
                "Buurten met een patroon",
                ("Buurt", "Categorie", "Perioden hot", "Perioden cold"),
                rows,
                (False, False, True, True),
            )
        )
    return Section("opkomend", "Opkomende hotspots", tuple(blocks))
