# SPDX-License-Identifier: EUPL-1.2
"""A public report never shows a figure that disclosure control withholds.

A separate copy of the warehouse gets a constructed small count: 3 registered crimes in 2023
in buurt Binnenstad (a municipal upload overrules the police figure). The rate that count
gives is in the internal version of the report and nowhere in the public versions, where the
buurt shows ``< 5``.
"""

from __future__ import annotations

import re
import shutil

import pytest
from bs4 import BeautifulSoup

from tests.reports.conftest import Rendered, render
from veiligstad import formatting
from veiligstad.definitions.validation import Definitions
from veiligstad.reports import document
from veiligstad.reports.model import ReportKind
from veiligstad.services import reporting, snapshot, uploads
from veiligstad.storage.warehouse import Warehouse

BUURT = "BU09350000"  # Binnenstad
NAME = "Binnenstad"
COUNT = 3


@pytest.fixture(scope="module")
def small_count(
    loaded_url: str, definitions: Definitions, tmp_path_factory: pytest.TempPathFactory
) -> reporting.Inputs:
    """A copy of the loaded warehouse with 3 crimes in Binnenstad in 2023."""
    target = tmp_path_factory.mktemp("small-count") / "veiligstad.duckdb"
    shutil.copy(loaded_url.removeprefix("duckdb://"), target)
    url = f"duckdb://{target}"
    data = f"area_code,period,measure,value\n{BUURT},2023,misdrijven:0.0.0,{COUNT}\n".encode()
    with Warehouse.open(url) as warehouse:
        outcome = uploads.import_bytes(warehouse, data, "kleine-aantallen.csv")
        assert outcome.outcome == "geladen", outcome.problems
        snap = snapshot.build(warehouse, definitions, 5)
        return reporting.gather(warehouse, snap, 2023, hotspots=True, context=True)


def rate(inputs: reporting.Inputs) -> str:
    """The withheld rate as a report would print it."""
    values = inputs.snapshot.values
    rows = values[(values["indicator_id"] == "misdrijven-totaal") & (values["area_code"] == BUURT)]
    row = rows[rows["period"] == "2023"].to_dict(orient="records")[0]
    assert row["numerator"] == COUNT
    return formatting.number(float(row["value"]), 1)


def lines_with(text: str, name: str) -> list[str]:
    """The lines of extracted text that start with ``name`` (pdftotext may print '< 5' as '<5')."""
    return [re.sub(r"<\s*5", "< 5", line) for line in text.splitlines() if line.strip().startswith(name)]


@pytest.fixture(scope="module")
def reports(small_count: reporting.Inputs, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    folder = tmp_path_factory.mktemp("small-count-reports")
    out = {"area": render(document.build(ReportKind.AREA, small_count, area=BUURT), folder)}
    for kind in (ReportKind.PUBLIC, ReportKind.MIDTERM):
        out[kind.value] = render(document.build(kind, small_count), folder)
    out["internal"] = render(document.build(ReportKind.MIDTERM, small_count, public_only=False), folder)
    return out


def test_the_internal_version_shows_the_rate(
    small_count: reporting.Inputs, reports: dict[str, Rendered]
) -> None:
    shown = rate(small_count)  # 3 crimes / 2.330 inhabitants × 1.000 = 1,3
    assert any(shown in line for line in lines_with(reports["internal"].text, NAME))


@pytest.mark.parametrize("kind", ["public", "midterm"])
def test_public_buurt_tables_show_the_disclosure_text(
    kind: str, small_count: reporting.Inputs, reports: dict[str, Rendered]
) -> None:
    shown = rate(small_count)
    found = reports[kind]
    rows = lines_with(found.text, NAME)
    assert rows, f"{NAME} not in the {kind} report"
    assert all(shown not in line for line in rows)
    assert any("< 5" in line for line in rows)
    cells = [
        [td.text.strip() for td in th.find_parent("tr").find_all("td")]  # type: ignore[union-attr]
        for th in BeautifulSoup(found.html, "html.parser").find_all("th", string=NAME)
    ]
    assert cells and all(shown not in row for row in cells) and any("< 5" in row for row in cells)


def test_public_area_profile_withholds_the_figure(
    small_count: reporting.Inputs, reports: dict[str, Rendered]
) -> None:
    found = reports["area"]
    assert found.report.title == f"Gebiedsprofiel {NAME}" and found.report.public
    crime = [line for line in found.text.splitlines() if "Geregistreerde misdrijven" in line]
    assert crime and all(rate(small_count) not in line for line in crime)
    assert re.search(r"<\s*5", found.text)


def test_the_count_itself_is_nowhere_near_its_buurt(reports: dict[str, Rendered]) -> None:
    for kind in ("public", "midterm", "area"):
        for line in lines_with(reports[kind].text, NAME):
            assert f" {COUNT} " not in f" {line} ", line


def test_public_hotspot_table_masks_z_and_p_around_the_small_count(reports: dict[str, Rendered]) -> None:
    """The withheld count is a term of its own and its neighbours' Gi* sums: their z and p are
    withheld in the public version (``services.hotspots.masked``), not in the internal one."""

    def row(kind: str) -> list[str]:
        soup = BeautifulSoup(reports[kind].html, "html.parser")
        th = soup.select_one("#hotspots-tabel").find("th", string=NAME)  # type: ignore[union-attr]
        return [td.text for td in th.find_parent("tr").find_all("td")]  # type: ignore[union-attr]

    public, internal = row("midterm"), row("internal")
    assert public[0] == "< 5" and public[2:4] == ["afgeschermd", "afgeschermd"]
    assert "afgeschermd" not in internal and internal[0] != "< 5"
    masked_rows = BeautifulSoup(reports["midterm"].html, "html.parser").select("#hotspots-tabel td")
    assert sum(td.text == "afgeschermd" for td in masked_rows) > 2  # the neighbours too


SISTER = "Kommelkwartier"  # 117 crimes: the smallest other buurt of wijk and stadsdeel Centrum


def sister_rate(inputs: reporting.Inputs) -> str:
    """Kommelkwartier's rate, which would give Binnenstad's 3 away by subtraction."""
    values = inputs.snapshot.values
    row = values[(values["indicator_id"] == "misdrijven-totaal") & (values["area_name"] == SISTER)]
    return formatting.number(float(row[row["period"] == "2023"].iloc[0]["value"]), 1)


def test_the_sister_buurt_is_withheld_too_so_the_wijk_total_gives_nothing_away(
    small_count: reporting.Inputs, reports: dict[str, Rendered]
) -> None:
    public = small_count.snapshot.public_values
    rows = public[(public["indicator_id"] == "misdrijven-totaal") & (public["period"] == "2023")]
    withheld = rows[rows["suppressed"]].set_index("area_name")
    assert withheld.loc[NAME, "suppression"] == "primair"
    assert withheld.loc[SISTER, "suppression"] == "secundair"
    assert withheld.loc[SISTER, "disclosure"] == "afgeschermd"
    # wijk Centrum minus its published buurten: two buurten are missing, so no single count follows
    wijk = rows.set_index("area_code")
    buurten = small_count.snapshot.areas
    codes = buurten.loc[(buurten["level"] == "buurt") & (buurten["wijk_code"] == "WK093500"), "code"]
    assert int(wijk.loc[list(codes), "numerator"].isna().sum()) == 2
    shown = sister_rate(small_count)
    for kind in ("public", "midterm"):
        lines = lines_with(reports[kind].text, SISTER)
        assert lines and all(shown not in line for line in lines), kind
        assert any("afgeschermd" in line for line in lines), kind
    assert any(shown in line for line in lines_with(reports["internal"].text, SISTER))
    assert "Soms laten we ook een ander, groter aantal weg" in reports["public"].text.replace("\n", " ")
