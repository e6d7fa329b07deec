# SPDX-License-Identifier: EUPL-1.2
"""Indicatoren: the catalogue page and the indicator page on the embedded Maastricht data."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup, Tag
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import log_in
from tests.web.spreadsheet import dutch_csv
from veiligstad.domain.accounts import Role
from veiligstad.web.templating import number

PAGE = "/indicatoren/misdrijven-totaal"
SIGNALS = {
    "significant gestegen",
    "significant gedaald",
    "geen significante verandering",
    "te weinig gegevens",
}
AREA_SIGNALS = {"significant hoger", "significant lager", "geen significant verschil", "te weinig gegevens"}


def soup_of(client: TestClient, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def section(soup: BeautifulSoup, heading_id: str) -> Tag:
    found = soup.find("section", attrs={"aria-labelledby": heading_id})
    assert isinstance(found, Tag), heading_id
    return found


def body_rows(table: Tag) -> dict[str, list[str]]:
    """First cell (row header) -> the other cells' text."""
    rows = {}
    for tr in table.select("tbody tr"):
        cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
        rows[cells[0]] = cells[1:]
    return rows


def features_of(soup: BeautifulSoup, chart_id: str) -> list[dict[str, Any]]:
    """The GeoJSON features of a map spec (Altair moves inline data into ``datasets``)."""
    spec = json.loads(soup.find("script", id=chart_id).get_text())  # type: ignore[union-attr]
    data = spec["data"].get("values") or spec["datasets"][spec["data"]["name"]]
    features: list[dict[str, Any]] = data["features"]
    return features


def download(client: TestClient, path: str, table: str, raw: bool = False) -> pd.DataFrame:
    """The Dutch CSV (figures rounded as the page shows them), or with ``raw`` the csv-raw one
    (full precision); the XLSX must have as many rows."""
    joiner = "&" if "?" in path else "?"
    csv = client.get(f"{path}{joiner}download={table}&format={'csv-raw' if raw else 'csv'}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv"), table
    frame = pd.read_csv(io.BytesIO(csv.content)) if raw else dutch_csv(csv.content)
    xlsx = client.get(f"{path}{joiner}download={table}&format=xlsx")
    assert xlsx.status_code == 200, table
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == len(frame) + 1, table
    return frame


# -- the catalogue -------------------------------------------------------------------


def test_catalogue_groups_the_programme_indicators_by_theme(client: TestClient) -> None:
    soup = soup_of(client, "/indicatoren")
    assert len(soup.find_all("h1")) == 1
    headings = [h.get_text(" ", strip=True) for h in soup.select("main h2")]
    assert any("Veelvoorkomende criminaliteit/HIC" in h for h in headings)
    assert "Contextindicatoren" in headings
    context = section(soup, "context")
    rows = body_rows(context.find("table"))  # type: ignore[arg-type]
    # Latest public value of registered crime in Maastricht: 8,318 / 125,285 x 1,000 in 2024.
    assert (
        rows["Geregistreerde misdrijven"][2].startswith("66,4")
        and "2024" in rows["Geregistreerde misdrijven"][2]
    )
    assert rows["Geregistreerde misdrijven"][1] == "verhoudingsgetal"
    links = {a["href"] for a in soup.select("main table a")}
    assert "/indicatoren/misdrijven-totaal" in links and "/indicatoren/winkeldiefstallen" in links


def test_catalogue_downloads_every_indicator(client: TestClient) -> None:
    frame = download(client, "/indicatoren", "indicatoren")
    assert {"indicator_id", "thema", "eenheid", "soort", "laatste_waarde"} <= set(frame.columns)
    assert "misdrijven-totaal" in set(frame["indicator_id"])
    assert frame.set_index("indicator_id").loc["misdrijven-totaal", "laatste_jaar"] == 2024


# -- trend ---------------------------------------------------------------------------


def test_trend_table_has_computed_and_published_values_and_no_zero_for_missing(client: TestClient) -> None:
    soup = soup_of(client, PAGE)
    assert soup.find("h1").get_text(strip=True) == "Geregistreerde misdrijven"  # type: ignore[union-attr]
    rows = body_rows(section(soup, "ontwikkeling").find("table"))  # type: ignore[arg-type]
    assert list(rows) == [str(y) for y in range(2010, 2025)]
    assert rows["2023"][:2] == ["63,9", "62,5 – 65,3"]
    assert rows["2010"][0] == "124,2"
    # 2021 has no source data: a dash and the reason, never 0.
    assert rows["2021"][0] == "–" and "geen brongegevens" in rows["2021"][-1]
    assert soup.find("script", id="grafiek-trend") is not None


def test_published_values_stand_beside_the_computed_ones(client: TestClient) -> None:
    soup = soup_of(client, "/indicatoren/diefstallen-uit-woning")
    rows = body_rows(section(soup, "ontwikkeling").find("table"))  # type: ignore[arg-type]
    assert rows["2017"][:4] == ["3,5", "3,1 – 3,8", "3,5", "overeenkomend"]
    assert rows["2021"][0] == "–" and rows["2021"][2] == "1,1" and rows["2021"][3] == "alleen gepubliceerd"
    spec = json.loads(soup.find("script", id="grafiek-trend").get_text())  # type: ignore[union-attr]
    marks = [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]
    ]
    assert "point" in marks  # the published values as open squares


def test_significance_labels_for_trend_baseline_and_year_on_year(client: TestClient) -> None:
    soup = soup_of(client, PAGE)
    part = section(soup, "significantie")
    labels = [s.get_text(strip=True) for s in part.select(".signal")]
    assert labels and set(labels) <= SIGNALS
    assert labels[0] == "significant gedaald"  # 124 per 1.000 in 2010 -> 66 in 2024
    text = part.get_text(" ", strip=True)
    assert "Sen-helling" in text and "over 14 jaren" in text
    # The baseline year 2021 has no computed value: 2020 is used and this is said.
    assert "2020: 56,3 → 2024: 66,4" in text and "dichtstbijzijnde eerdere jaar" in text
    rows = body_rows(part.find("table"))  # type: ignore[arg-type]
    assert "2020 – 2022" in rows
    assert all(any(label in " ".join(cells) for label in SIGNALS) for cells in rows.values())
    changes = download(client, PAGE, "veranderingen")
    assert set(changes["significantie"]) <= SIGNALS and len(changes) == 13


def test_trend_download_has_intervals_and_reasons(client: TestClient) -> None:
    frame = download(client, PAGE, "trend")
    assert {
        "jaar",
        "waarde",
        "interval_laag",
        "interval_hoog",
        "gepubliceerd",
        "vergelijking",
        "reden",
    } <= set(frame.columns)
    row = frame.set_index("jaar").loc[2024]
    assert row["teller"] == 8318 and row["noemer"] == 125285
    assert pd.isna(frame.set_index("jaar").loc[2021, "waarde"])


# -- context notes -------------------------------------------------------------------


def test_haaldelict_note(client: TestClient) -> None:
    soup = soup_of(client, "/indicatoren/winkeldiefstallen")
    notes = soup.select_one(".context-notes")
    assert notes is not None
    assert (
        "Haaldelict: een stijging kan op meer handhaving wijzen, niet op meer criminaliteit."
        in notes.get_text()
    )


def test_published_unit_mismatch_and_missing_reason(client: TestClient) -> None:
    soup = soup_of(client, "/indicatoren/halt-verwijzingen")
    notes = soup.select_one(".context-notes").get_text(" ", strip=True)  # type: ignore[union-attr]
    assert "Gepubliceerde eenheid wijkt af van de definitie" in notes
    assert "per 1.000 jongeren 12-17 jaar" in notes and "per 10.000 jongeren 12-17 jaar" in notes
    assert (
        "Geen berekende waarde voor 2017–2021: geen brongegevens geladen meetcodes halt:verwijzingen" in notes
    )
    codes = soup.select_one(".context-notes details.codes")  # raw codes only behind a summary
    assert codes is not None and codes.get_text(" ", strip=True) == "meetcodes halt:verwijzingen"
    # no open table delivers Halt figures: the page points to the template, not to `update`
    assert "invulsjabloon" in notes and "veiligstad update" not in notes
    rows = body_rows(section(soup, "ontwikkeling").find("table"))  # type: ignore[arg-type]
    assert all(cells[0] == "–" for cells in rows.values())


def test_a_figure_that_is_published_but_not_loaded_says_so(client: TestClient) -> None:
    """Winkeldiefstallen end at the 2021 baseline here; the police publish later years (47018NED)."""
    soup = soup_of(client, "/indicatoren/winkeldiefstallen")
    notes = soup.select_one(".context-notes").get_text(" ", strip=True)  # type: ignore[union-attr]
    assert "Nieuwere cijfers zijn gepubliceerd, maar staan nog niet in deze monitor" in notes
    assert "veiligstad update" in notes


def test_survey_years_without_measurement_say_so(client: TestClient) -> None:
    soup = soup_of(client, "/indicatoren/rapportcijfer-veiligheid-buurt")
    rows = body_rows(section(soup, "ontwikkeling").find("table"))  # type: ignore[arg-type]
    assert rows["2018"][2] == "geen meting (GM)" and "geen meting in dit jaar" in rows["2018"][-1]
    text = section(soup, "vergelijking").get_text(" ", strip=True)
    assert "enquêtecijfers worden niet opgeteld of gemiddeld" in text


def test_definition_lists_numerator_denominator_and_sources(client: TestClient) -> None:
    soup = soup_of(client, PAGE)
    facts = section(soup, "definitie").find("dl")
    assert facts is not None
    terms = {
        dt.get_text(strip=True): dt.find_next("dd").get_text(" ", strip=True) for dt in facts.find_all("dt")
    }  # type: ignore[union-attr]
    assert terms["Teller"].startswith("misdrijven:0.0.0") and "misdrijven-scm:T001161" in terms["Teller"]
    assert terms["Noemer"].startswith("inwoners") and terms["Per"] == "1.000"
    assert "CBS" in terms["Definitie volgens"]


# -- areas ---------------------------------------------------------------------------


def test_areas_default_to_buurten_with_a_map_and_a_labelled_form(client: TestClient) -> None:
    soup = soup_of(client, PAGE)
    part = section(soup, "gebieden")
    form = part.find("form")
    assert form is not None and form["method"] == "get"
    select = form.find("select")
    assert select is not None and form.find("label", attrs={"for": select["id"]}) is not None  # type: ignore[index]
    assert [o["value"] for o in select.find_all("option")] == ["stadsdeel", "wijk", "buurt"]  # type: ignore[union-attr]
    assert form.find("button", attrs={"type": "submit"}) is not None
    rows = body_rows(part.find("table"))  # type: ignore[arg-type]
    assert len(rows) == 44  # every Maastricht buurt, with a value, '< 5' or a reason
    assert rows["Binnenstad"][0] == "558,7"  # 1 January 2023: not approximate
    features = features_of(soup, "kaart-gebieden")
    assert len(features) == 44
    labels = {f["properties"]["name"]: f["properties"]["label"] for f in features}
    assert labels["Binnenstad"] == "558,7"


def test_buurt_map_colours_by_quintile_and_flags_areas_with_few_inhabitants(client: TestClient) -> None:
    soup = soup_of(client, PAGE)
    spec = json.loads(soup.find("script", id="kaart-gebieden").get_text())  # type: ignore[union-attr]
    scale = spec["encoding"]["color"]["condition"]["scale"]
    assert scale["type"] == "threshold" and len(scale["domain"]) == 4 and len(scale["range"]) == 5
    assert "vijf even grote groepen" in soup.select_one("#gebieden ~ figure figcaption").get_text()  # type: ignore[union-attr]
    rows = body_rows(section(soup, "gebieden").find("table"))  # type: ignore[arg-type]
    assert rows["Beatrixhaven"][0] == "3.450,0" and "weinig inwoners (20)" in rows["Beatrixhaven"][-1]
    assert "weinig inwoners" not in rows["Binnenstad"][-1]
    # Seven stadsdelen keep the linear scale: quintiles would blow up small differences.
    few = soup_of(client, f"{PAGE}?niveau=stadsdeel")
    spec = json.loads(few.find("script", id="kaart-gebieden").get_text())  # type: ignore[union-attr]
    assert spec["encoding"]["color"]["condition"]["scale"].get("type") is None


def test_areas_per_wijk(client: TestClient) -> None:
    soup = soup_of(client, f"{PAGE}?niveau=wijk")
    rows = body_rows(section(soup, "gebieden").find("table"))  # type: ignore[arg-type]
    assert len(rows) == 7 and rows["Wijk 00 Centrum"][0] == "159,6"
    frame = download(client, f"{PAGE}?niveau=wijk", "gebieden")
    assert set(frame["niveau"]) == {"wijk"} and len(frame) == 7


def test_unknown_level_is_a_bad_request(client: TestClient) -> None:
    assert client.get(f"{PAGE}?niveau=provincie").status_code == 400


def test_a_suppressed_count_never_shows_its_rate(client: TestClient, web_app: FastAPI) -> None:
    snapshot = web_app.state.cache.get()
    public = snapshot.public_values
    small = public["suppression"] == "primair"  # not the buurt withheld to protect it ("afgeschermd")
    hidden = public[small & (public["indicator_id"] == "misdrijven-totaal")]
    assert not hidden.empty, "the embedded data has a buurt with fewer than 5 registrations"
    row = hidden.iloc[0]
    raw = snapshot.values
    raw_row = raw[(raw["indicator_id"] == row["indicator_id"]) & (raw["area_code"] == row["area_code"])]
    raw_row = raw_row[raw_row["period"] == row["period"]].iloc[0]
    soup = soup_of(client, f"{PAGE}?niveau={row['level']}")
    cells = body_rows(section(soup, "gebieden").find("table"))[str(row["area_name"])]  # type: ignore[arg-type]
    assert cells[0] == "< 5" and cells[1] == "–" and cells[2] == "< 5"
    text = " ".join(cells)
    for secret in (raw_row["value"], raw_row["ci_low"], raw_row["ci_high"]):
        assert number(secret, 1) not in text
    feature = next(
        f for f in features_of(soup, "kaart-gebieden") if f["properties"]["code"] == row["area_code"]
    )
    assert feature["properties"]["value"] is None and feature["properties"]["label"] == "< 5"
    frame = download(client, f"{PAGE}?niveau={row['level']}", "gebieden").set_index("code")
    assert pd.isna(frame.loc[row["area_code"], "waarde"]) and pd.isna(frame.loc[row["area_code"], "teller"])
    assert frame.loc[row["area_code"], "afgeschermd"] == "< 5"


# -- comparison ----------------------------------------------------------------------


def test_comparison_with_the_netherlands_and_peers(client: TestClient) -> None:
    soup = soup_of(client, PAGE)
    part = section(soup, "vergelijking")
    text = part.get_text(" ", strip=True)
    assert "1 januari 2024 125.285 inwoners" in text
    assert "CBS-grootteklasse 100.000 tot 150.000 inwoners" in text
    tables = part.find_all("table")
    rows = body_rows(tables[0])
    assert rows["Maastricht"][0] == "66,4"
    # funnel limits with overdispersion over all gemeenten (Spiegelhalter 2005): 66,4 against 44,9
    # lies within the usual spread between gemeenten (the Poisson test said p = 1e-248)
    assert rows["Nederland"][0] == "44,9"
    assert rows["Nederland"][3].startswith("geen significant verschil")
    group = rows["Gemeenten met 100.000 tot 150.000 inwoners"]
    assert any(label in group[3] for label in AREA_SIGNALS)
    peers = body_rows(tables[1])
    assert "Alkmaar" in peers and "Maastricht" not in peers
    assert soup.find("script", id="grafiek-vergelijking") is not None


def test_peer_group_figure_is_the_sum_of_counts_over_the_sum_of_populations(client: TestClient) -> None:
    table = download(client, PAGE, "vergelijking", raw=True).set_index("soort")
    peers = download(client, PAGE, "peers", raw=True)
    rounded = download(client, PAGE, "vergelijking").set_index("soort")
    assert rounded.loc["groep", "waarde"] == round(table.loc["groep", "waarde"], 1)  # as the page shows it
    assert (peers["inwoners"] >= 100_000).all() and (peers["inwoners"] < 150_000).all()
    group = table.loc["groep"]
    counted = peers[peers["teller"].notna()]
    assert group["teller"] == counted["teller"].sum()
    assert group["noemer"] == pytest.approx(counted["noemer"].sum())
    assert group["waarde"] == pytest.approx(
        1000 * counted["teller"].sum() / counted["noemer"].sum(), rel=1e-12
    )
    assert group["waarde"] != pytest.approx(counted["waarde"].mean(), rel=1e-6)
    assert table.loc["land", "gemeente_ten_opzichte_hiervan"] == "geen significant verschil"
    assert table.loc["land", "toets"].startswith("trechtergrens") and "τ = " in table.loc["land", "spreiding"]


def test_no_comparison_without_a_computed_value(client: TestClient) -> None:
    soup = soup_of(client, "/indicatoren/vernielingen-openbare-ruimte")
    assert "Geen vergelijking" in section(soup, "vergelijking").get_text()


# -- the whole page ------------------------------------------------------------------


def test_every_table_of_the_indicator_page_downloads(client: TestClient) -> None:
    for table in ("trend", "veranderingen", "gebieden", "vergelijking", "peers"):
        assert not download(client, PAGE, table).empty, table


def test_every_chart_has_a_table_and_a_valid_spec(client: TestClient) -> None:
    soup = soup_of(client, PAGE)
    figures = soup.select("figure.chart")
    assert len(figures) == 3
    for figure in figures:
        spec = json.loads(figure.find("script", type="application/json").get_text())  # type: ignore[union-attr]
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert figure.find_next("table") is not None


def test_unknown_indicator_is_a_dutch_404_page(client: TestClient) -> None:
    response = client.get("/indicatoren/bestaat-niet")
    assert response.status_code == 404
    assert "Onbekende indicator" in response.text and "<html" in response.text


def test_english_page(client: TestClient) -> None:
    soup = soup_of(client, f"{PAGE}?lang=en")
    assert soup.html is not None and soup.html["lang"] == "en"
    assert soup.find("h1").get_text(strip=True) == "Registered crime"  # type: ignore[union-attr]
    text = soup.get_text(" ", strip=True)
    assert "significantly decreased" in text and "Comparison with the Netherlands" in text
    assert "100,000 to 150,000 inhabitants" in text
    rows = body_rows(section(soup, "ontwikkeling").find("table"))  # type: ignore[arg-type]
    assert rows["2023"][0] == "63.9"


def test_a_level_without_figures_says_why_and_what_fills_it(client: TestClient) -> None:
    """Geweldsmisdrijven: CBS publishes it per gemeente only (services.gaps): the indicator page
    says so per level, offers the fill-in template of that level and names no command."""
    soup = BeautifulSoup(client.get("/indicatoren/geweldsmisdrijven").text, "html.parser")
    buurt = soup.select_one("#gaten-per-niveau li#gat-buurt")
    assert buurt is not None
    text = buurt.get_text(" ", strip=True)
    assert "De bron publiceert dit niet per buurt." in text
    assert "Eigen cijfers per buurt kunnen erin met het invulsjabloon." in text
    assert buurt.select_one("a[href*='niveau=buurt']") is not None
    assert "veiligstad" not in text and buurt.select_one("details") is None  # public: no commands
    english = BeautifulSoup(client.get("/indicatoren/geweldsmisdrijven?lang=en").text, "html.parser")
    gap = english.select_one("li#gat-wijk")
    assert gap is not None and "The source does not publish this per ward." in gap.get_text(" ", strip=True)


def test_an_analyst_sees_the_command_behind_a_gap(web_app: FastAPI) -> None:
    analyst = log_in(TestClient(web_app, follow_redirects=False), Role.ANALIST)
    soup = BeautifulSoup(analyst.get("/indicatoren/geweldsmisdrijven").text, "html.parser")
    advice = soup.select_one("li#gat-buurt details")
    assert advice is not None and "veiligstad template geweldsmisdrijven" in advice.get_text()


FIGURES = ("waarde", "interval_laag", "interval_hoog")


@pytest.mark.parametrize(
    ("path", "table", "columns"),
    [
        (PAGE, "veranderingen", ("waarde_van", "waarde_tot", "verschil", "verandering_procent")),
        (PAGE, "vergelijking", FIGURES),
        (PAGE, "peers", FIGURES),
        ("/themas/veelvoorkomende-criminaliteit-hic", "reeksen", FIGURES),
        ("/indicatoren", "indicatoren", ("laatste_waarde",)),
        ("/signalen", "signalen", ("waarde_voor", "waarde_na")),
        ("/gebieden/GM0935", "beleving", ("criminaliteit_van", "criminaliteit_tot")),
    ],
)
def test_dutch_downloads_have_the_pages_decimals(
    client: TestClient, path: str, table: str, columns: tuple[str, ...]
) -> None:
    """Issue 14, item 5: figures rounded to the catalogue's decimals (one for these indicators),
    not ``124,22700851239739``; csv-raw keeps the full precision."""
    joiner = "&" if "?" in path else "?"
    text = client.get(f"{path}{joiner}download={table}&format=csv").content.decode("utf-8-sig")
    header, *lines = text.splitlines()
    names = header.split(";")
    cells = [line.split(";") for line in lines]
    assert cells, table
    for column in columns:
        values = [row[names.index(column)] for row in cells if row[names.index(column)]]
        assert values, column
        assert all(len(v.partition(",")[2]) <= 1 for v in values), (column, values[:3])
    raw = client.get(f"{path}{joiner}download={table}&format=csv-raw").text
    assert any(len(cell.partition(".")[2]) > 3 for cell in raw.replace("\n", ",").split(",")), table
