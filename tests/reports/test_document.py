# SPDX-License-Identifier: EUPL-1.2
"""Report content from the embedded Maastricht data: sections, figures, the year, the area."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.reports.conftest import AREA
from veiligstad import formatting
from veiligstad.errors import BadRequest, NotFound
from veiligstad.reports import document
from veiligstad.reports.figures import NO_TARGET, classify
from veiligstad.reports.model import Chart, ReportKind, Table
from veiligstad.services import monitor, reporting
from veiligstad.services.snapshot import Snapshot


def tables(report: document.Report) -> list[Table]:
    """Every table, including the data tables of the charts."""
    blocks = [b for _, s in report.outline() for b in s.blocks]
    return [b for b in blocks if isinstance(b, Table)] + [b.table for b in blocks if isinstance(b, Chart)]


def texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def misdrijven(snap: Snapshot, year: int, area: str = "GM0935") -> float:
    rows = monitor.series(snap.public_values, "misdrijven-totaal", area)
    return float(rows[rows["period"] == str(year)]["value"].iloc[0])


def test_progress_per_theme_with_status_and_no_invented_targets(inputs: reporting.Inputs) -> None:
    report = document.build(ReportKind.PROGRESS, inputs)
    assert report.title == "Voortgangsrapportage 2024" and report.year == 2024 and report.public
    themes = next(s for s in report.sections if s.id == "themas")
    assert [s.title for s in themes.children] == [
        t.name for t in inputs.snapshot.definitions.programme.themes
    ]
    context = next(t for t in tables(report) if t.id == "context-status")
    row = texts(context)[0]
    assert row[0] == "Geregistreerde misdrijven"
    assert row[2] == formatting.number(misdrijven(inputs.snapshot, 2024), 1)  # 66,4
    assert row[3] == NO_TARGET
    # 2020 → 2024 (+18%) is within the series' year-to-year variation once φ is used
    assert row[4] == "geen significante verandering" and row[5] == "geen significante verandering"
    # published next to computed, with the reconciliation label
    reconciled = [t for t in tables(report) if t.id.endswith("-aansluiting")]
    assert any(r[5] == monitor.MATCH for t in reconciled for r in texts(t))
    # a trend chart for every indicator with two or more computed years, each with its table
    charts = report.charts()
    assert {c.id for c in charts} >= {
        "context-misdrijven-totaal",
        "thema-veelvoorkomende-criminaliteit-hic-schaalscore-hic",
    }
    assert all(c.alt and c.table.rows for c in charts)


def test_year_cuts_the_figures(inputs: reporting.Inputs) -> None:
    report = document.build(ReportKind.PROGRESS, inputs, year=2023)
    row = texts(next(t for t in tables(report) if t.id == "context-status"))[0]
    assert row[2] == formatting.number(misdrijven(inputs.snapshot, 2023), 1)  # 63,9
    assert report.data_until == "gegevens tot en met 2023"


@pytest.mark.parametrize("year", [1990, 2031])
def test_year_without_figures(inputs: reporting.Inputs, year: int) -> None:
    with pytest.raises(NotFound) as caught:
        document.build(ReportKind.PROGRESS, inputs, year=year)
    assert caught.value.message == f"Geen cijfers voor jaar {year}."
    assert caught.value.hint == "Jaren met cijfers: 2010 tot en met 2024."


def test_midterm_trends_hotspots_and_honest_refusal(inputs: reporting.Inputs) -> None:
    report = document.build(ReportKind.MIDTERM, inputs)
    ids = [s.id for _, s in report.outline()]
    for wanted in (
        "trends",
        "gebieden",
        "hotspots",
        "opkomend",
        "beleving",
        "acties",
        "conclusies",
        "bronnen",
    ):
        assert wanted in ids
    hotspots = next(t for t in tables(report) if t.id == "hotspots-tabel")
    assert len(hotspots.rows) == 44  # every buurt of Maastricht
    emerging = next(s for _, s in report.outline() if s.id == "opkomend")
    assert any("minimaal 10 nodig" in getattr(b, "text", "") for b in emerging.blocks)
    stadsdelen = next(t for t in tables(report) if t.id == "niveau-stadsdeel-misdrijven-totaal")
    centrum = next(r for r in texts(stadsdelen) if r[0] == "Centrum")
    assert centrum[4] == "significant hoger"
    conclusions = next(s for s in report.sections if s.id == "conclusies")
    assert "Nog geen conclusies vastgelegd" in conclusions.blocks[0].text  # type: ignore[union-attr]


def test_area_profile(inputs: reporting.Inputs) -> None:
    report = document.build(ReportKind.AREA, inputs, area=AREA.lower())
    assert report.title == "Gebiedsprofiel Mariaberg" and report.area_code == AREA
    indicators = next(t for t in tables(report) if t.id == "indicatoren-tabel")
    crime = next(r for r in texts(indicators) if r[0] == "Geregistreerde misdrijven")
    assert crime[2] == formatting.number(misdrijven(inputs.snapshot, 2023, AREA), 1)
    assert crime[4] == "geen significant verschil"  # funnel over the 44 buurten (Spiegelhalter 2005)
    assert any(
        isinstance(b, Chart) and b.id == "ligging-kaart" for _, s in report.outline() for b in s.blocks
    )


def test_area_needs_a_known_area_of_the_municipality(inputs: reporting.Inputs) -> None:
    with pytest.raises(BadRequest, match="geef een gebiedscode"):
        document.build(ReportKind.AREA, inputs)
    with pytest.raises(NotFound, match="Onbekend gebied 'BU99999999'"):
        document.build(ReportKind.AREA, inputs, area="BU99999999")
    with pytest.raises(BadRequest, match="'GM0363' is gemeente Amsterdam"):
        document.build(ReportKind.AREA, inputs, area="GM0363")


def test_public_version_uses_plain_words(inputs: reporting.Inputs) -> None:
    report = document.build(ReportKind.PUBLIC, inputs, public_only=False)
    assert report.public  # always public figures
    crime = texts(next(t for t in tables(report) if t.id == "misdaad-tabel"))
    latest = formatting.number(misdrijven(inputs.snapshot, 2024), 1)
    # 2020 → 2024 is within the year-to-year variation (φ): no longer "slechter geworden"
    assert crime[-1] == ["Geregistreerde misdrijven", latest, "2024", "ongeveer gelijk gebleven"]
    assert [s.title for s in report.sections][-2:] == ["Uitleg van woorden", "Waar komen de cijfers vandaan?"]


def test_quantile_classes() -> None:
    labels = classify(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, None, 100.0]), 1)
    # quintile edges of the six known values: 2, 3, 4 and 5 (a value on an edge is in the lower class)
    assert labels == [
        "t/m 2,0",
        "t/m 2,0",
        "2,0 – 3,0",
        "3,0 – 4,0",
        "4,0 – 5,0",
        "geen cijfer",
        "meer dan 5,0",
    ]
