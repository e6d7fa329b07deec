# SPDX-License-Identifier: EUPL-1.2
"""Gebieden: the municipality's areas and the profile of a gemeente, stadsdeel, wijk and buurt."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from shapely.geometry import LinearRing

from tests.web.spreadsheet import dutch_csv
from veiligstad.services import profiles


def download(client: TestClient, url: str) -> pd.DataFrame:
    response = client.get(url)
    assert response.status_code == 200
    return dutch_csv(response.content)


def page(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.text[-800:]
    return BeautifulSoup(response.text, "html.parser")


def links(soup: BeautifulSoup) -> set[str]:
    return {str(a["href"]) for a in soup.select("main a[href]")}


def chart_spec(soup: BeautifulSoup, chart_id: str) -> dict[str, Any]:
    script = soup.find("script", id=chart_id)
    assert script is not None, f"no chart {chart_id}"
    return json.loads(script.get_text())


def features(spec: dict[str, Any]) -> list[dict[str, Any]]:
    for dataset in spec.get("datasets", {}).values():
        if isinstance(dataset, dict) and dataset.get("type") == "FeatureCollection":
            return dataset["features"]
    raise AssertionError("no FeatureCollection in the spec")


def indicator_row(soup: BeautifulSoup, name: str) -> list[str]:
    for row in soup.select(
        "#indicatoren ~ div table tbody tr, section[aria-labelledby=indicatoren] tbody tr"
    ):
        if name in row.get_text():
            return [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
    raise AssertionError(f"no row for {name}")


def test_overview_lists_every_level_with_links_and_a_map_of_the_buurten(client: TestClient) -> None:
    soup = page(client, "/gebieden")
    assert soup.select("main h1")[0].get_text(strip=True) == "Gebieden van Maastricht"
    found = links(soup)
    assert {"/gebieden/GM0935", "/gebieden/NL01", "/gebieden/SD093501", "/gebieden/WK093500"} <= found
    assert sum(1 for href in found if href.startswith("/gebieden/BU0935")) == 44
    spec = chart_spec(soup, "kaart-buurten")
    drawn = features(spec)
    assert len(drawn) == 44 and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in drawn)
    assert {f["properties"]["category"] for f in drawn} >= {"Centrum", "Noord", "Zuid-West"}
    table = soup.find("caption", string="Buurten met hun CBS-wijk en stadsdeel")
    assert table is not None
    rows = table.find_parent("table").select("tbody tr")
    binnenstad = next(r for r in rows if "Binnenstad" in r.get_text())
    assert "Wijk 00 Centrum" in binnenstad.get_text() and "2.330" in binnenstad.get_text()


def test_overview_look_up_form_redirects_to_a_profile(client: TestClient) -> None:
    soup = page(client, "/gebieden")
    select = soup.find("select", attrs={"name": "gebied"})
    assert select is not None and soup.find("label", attrs={"for": select["id"]}) is not None
    assert len(select.find_all("option")) > 340  # every gemeente in the register
    response = client.get("/gebieden?gebied=gm0363")
    assert response.status_code == 303 and response.headers["location"] == "/gebieden/GM0363"
    unknown = client.get("/gebieden?gebied=GM9999")
    assert unknown.status_code == 404 and "Onbekend gebied" in unknown.text


def test_overview_tables_download(client: TestClient) -> None:
    buurten = dutch_csv(client.get("/gebieden?download=buurten&format=csv").content)
    assert len(buurten) == 44 and {"code", "buurt", "wijk", "stadsdeel", "inwoners"} <= set(buurten.columns)
    everything = client.get("/gebieden?download=gebieden&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(everything.content)).active
    assert sheet is not None and sheet.max_row == 1 + 1 + 7 + 7 + 44


def test_gemeente_profile_compares_with_the_netherlands(client: TestClient) -> None:
    soup = page(client, "/gebieden/GM0935")
    h1 = soup.select("main h1")
    assert len(h1) == 1 and "Maastricht" in h1[0].get_text()
    found = links(soup)
    assert "/gebieden/NL01" in found  # parent
    assert {f"/gebieden/SD09350{i}" for i in range(1, 8)} <= found  # stadsdelen
    assert {f"/gebieden/WK09350{i}" for i in range(7)} <= found  # wijken
    row = indicator_row(soup, "Geregistreerde misdrijven")
    assert row[1] == "2024" and row[2] == "66,4"
    # funnel limits over all gemeenten (Spiegelhalter 2005): within the usual spread
    assert "geen significant verschil" in row[4] and "rest van Nederland" in row[4]
    figures = soup.select("section[aria-labelledby=kerncijfers] tbody tr")
    assert any("Inwoners" in r.get_text() and "125.563" in r.get_text() for r in figures)
    # Crime next to feeling of safety: Maastricht has both; with φ no crime change is significant,
    # so no pair diverges any more (2016 → 2017 did under the Poisson test).
    beleving = soup.select("section[aria-labelledby=beleving] tbody tr")
    assert beleving and any("tegenstrijdig" in r.get_text() for r in beleving)
    assert not soup.select("section[aria-labelledby=beleving] tr.diverges")


def test_gemeente_profile_map_highlights_it_among_all_gemeenten(client: TestClient) -> None:
    soup = page(client, "/gebieden/GM0935")
    drawn = features(chart_spec(soup, "kaart-ligging"))
    assert len(drawn) == 345
    highlighted = [f for f in drawn if f["properties"]["category"] == "dit gebied"]
    assert [f["properties"]["code"] for f in highlighted] == ["GM0935"]
    # Longitude/latitude in the Netherlands, outer rings clockwise (else d3-geo fills the globe).
    for f in drawn:
        polygons = (
            [f["geometry"]["coordinates"]]
            if f["geometry"]["type"] == "Polygon"
            else f["geometry"]["coordinates"]
        )
        for polygon in polygons:
            ring = LinearRing(polygon[0])
            assert not ring.is_ccw, f["properties"]["code"]
            assert ring.bounds[0] > 3 and ring.bounds[2] < 8


def test_stadsdeel_profile(client: TestClient) -> None:
    soup = page(client, "/gebieden/SD093501")
    assert "Centrum" in soup.select("main h1")[0].get_text()
    found = links(soup)
    assert "/gebieden/GM0935" in found and "/gebieden/BU09350000" in found
    figures = soup.select("section[aria-labelledby=kerncijfers] tbody tr")
    assert any("21.450" in r.get_text() and "som van de buurten" in r.get_text() for r in figures)
    row = indicator_row(soup, "Geregistreerde misdrijven")
    assert row[1] == "2023" and row[2] == "159,6" and "significant hoger" in row[4]
    drawn = features(chart_spec(soup, "kaart-ligging"))
    assert len(drawn) == 7 and sum(f["properties"]["category"] == "dit gebied" for f in drawn) == 1


def test_wijk_profile(client: TestClient) -> None:
    soup = page(client, "/gebieden/WK093502")
    assert "Wijk 02 Buitenwijk West" in soup.select("main h1")[0].get_text()
    found = links(soup)
    assert "/gebieden/GM0935" in found
    assert {"/gebieden/BU09350201", "/gebieden/BU09350209"} <= found  # Mariaberg, Daalhof
    figures = soup.select("section[aria-labelledby=kerncijfers] tbody tr")
    assert len(figures) >= 10  # KWB key figures of the wijk
    assert any("Woningen" in r.get_text() for r in figures)
    drawn = features(chart_spec(soup, "kaart-ligging"))
    assert len(drawn) == 7


def test_buurt_profile_binnenstad(client: TestClient) -> None:
    soup = page(client, "/gebieden/BU09350000")
    assert "Binnenstad" in soup.select("main h1")[0].get_text()
    parents = soup.select("dl.facts a")
    assert [a["href"] for a in parents] == [
        "/gebieden/WK093500",
        "/gebieden/SD093501",
        "/gebieden/GM0935",
        "/gebieden/NL01",
    ]
    row = indicator_row(soup, "Geregistreerde misdrijven")
    assert row[1] == "2023" and row[2] == "558,7"
    assert row[3] == "528,0 – 590,8"
    assert "significant hoger" in row[4] and "rest van Maastricht" in row[4]
    assert "Geen veiligheidsbeleving gemeten voor dit gebied." in soup.get_text()
    drawn = features(chart_spec(soup, "kaart-ligging"))
    assert len(drawn) == 44
    assert [f["properties"]["code"] for f in drawn if f["properties"]["category"] == "dit gebied"] == [
        "BU09350000"
    ]


def test_buurt_with_a_survey_but_no_crime_in_the_same_years_says_so(client: TestClient) -> None:
    soup = page(client, "/gebieden/BU09350201")  # Mariaberg: survey 2017 and 2019, crime 2023
    text = soup.select_one("section[aria-labelledby=beleving]").get_text(" ", strip=True)
    assert "niet naast elkaar te zetten" in text and "2017, 2019" in text
    row = indicator_row(soup, "Rapportcijfer veiligheid")
    assert row[2] == "6,7"


def test_suppressed_buurt_shows_no_rate(client: TestClient) -> None:
    soup = page(client, "/gebieden/BU09350304")  # Lanakerveld: fewer than 5 registered crimes
    row = indicator_row(soup, "Geregistreerde misdrijven")
    assert row[2] == "< 5" and row[3] == "–"
    assert "niet vergeleken" in row[4] and "tegen" not in row[4]
    table = dutch_csv(client.get("/gebieden/BU09350304?download=indicatoren&format=csv").content)
    crime = table[table["indicator_id"] == "misdrijven-totaal"].iloc[0]
    assert crime["afscherming"] == "< 5"
    assert pd.isna(crime["waarde"]) and pd.isna(crime["ci_laag"]) and pd.isna(crime["waarde_gebied"])


@pytest.mark.parametrize("table", ["kerncijfers", "indicatoren", "beleving", "ligging"])
def test_profile_tables_download(client: TestClient, table: str) -> None:
    response = client.get(f"/gebieden/GM0935?download={table}&format=csv")
    assert response.status_code == 200
    frame = dutch_csv(response.content)
    assert len(frame) > 0
    xlsx = client.get(f"/gebieden/GM0935?download={table}&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == len(frame) + 1


def test_indicator_download_has_real_figures(client: TestClient) -> None:
    table = dutch_csv(client.get("/gebieden/BU09350000?download=indicatoren&format=csv").content)
    crime = table[table["indicator_id"] == "misdrijven-totaal"].iloc[0]
    assert crime["waarde"] == 558.7  # the page's decimals; full precision in csv-raw:
    raw = client.get("/gebieden/BU09350000?download=indicatoren&format=csv-raw").content
    full = pd.read_csv(io.BytesIO(raw))
    assert full.loc[full["indicator_id"] == "misdrijven-totaal", "waarde"].iloc[0] == pytest.approx(
        1232 / 2205 * 1000
    )
    assert crime["verschil"] == "significant hoger" and crime["vergeleken_met"] == "Maastricht"
    assert crime["p_waarde"] < 0.001


def test_netherlands_and_another_gemeente(client: TestClient) -> None:
    nl = page(client, "/gebieden/NL01")
    assert "Nederland" in nl.select("main h1")[0].get_text()
    assert nl.find("select", attrs={"name": "gebied"}) is not None
    amsterdam = page(client, "/gebieden/GM0363")
    assert "Amsterdam" in amsterdam.select("main h1")[0].get_text()
    row = indicator_row(amsterdam, "Geregistreerde misdrijven")
    assert row[1] == "2024" and "significant hoger" in row[4]
    buurt = page(client, "/gebieden/BU0363AA01")  # no name in the register, no boundary
    assert "BU0363AA01" in buurt.select("main h1")[0].get_text()
    assert "geen grenzen geladen" in buurt.get_text()


def test_only_the_municipality_s_own_profiles_are_kept_per_snapshot(client: TestClient) -> None:
    """Visiting every buurt of the country must not fill the server's memory: a profile of an
    area elsewhere is computed for its request and not kept; the own ones are kept."""
    snapshot = client.app.state.cache.get()  # type: ignore[attr-defined]
    for code in ("GM0935", "WK093500", "NL01", "GM0363", "BU0363AA01"):
        assert client.get(f"/gebieden/{code}", headers={"Cookie": "veiligstad_sessie=x"}).status_code == 200
    kept = {key[2] for key in snapshot.memo if key[:2] in {("areas", "profile"), ("areas", "place")}}
    assert {"GM0935", "WK093500", "NL01"} <= kept  # (other tests of the session add their own)
    assert not kept & {"GM0363", "BU0363AA01"}


def test_lower_case_code_redirects_to_the_profile(client: TestClient) -> None:
    response = client.get("/gebieden/bu09350000")
    assert response.status_code == 301 and response.headers["location"] == "/gebieden/BU09350000"


def test_unknown_area_is_a_404_with_a_dutch_hint(client: TestClient) -> None:
    response = client.get("/gebieden/BU99999999")
    assert response.status_code == 404
    assert "Onbekend gebied" in response.text and "GM0935" in response.text


def test_profile_in_english(client: TestClient) -> None:
    soup = page(client, "/gebieden/BU09350000?lang=en")
    assert soup.html is not None and soup.html["lang"] == "en"
    text = soup.get_text(" ", strip=True)
    assert "Key figures" in text and "significantly higher" in text and "558.7" in text
    assert "No feeling of safety has been measured for this area." in text
    drawn = features(chart_spec(soup, "kaart-ligging"))
    assert {f["properties"]["category"] for f in drawn} == {"this area", "other areas"}


def test_key_figures_withhold_small_counts() -> None:
    context = pd.DataFrame(
        {
            "measure": ["inwoners", "kwb:woningen", "kwb:pct-65-plus", "inwoners"],
            "area_code": ["BU1", "BU1", "BU1", "BU2"],
            "year": [2024, 2022, 2022, 2024],
            "value": [3.0, 12.0, 2.0, 40.0],
            "unit": ["aantal", "aantal", "%", "aantal"],
        }
    )
    figures = profiles.key_figures(context, "BU1", [], threshold=5).set_index("meting")
    assert figures.loc["inwoners", "afscherming"] == "< 5" and pd.isna(figures.loc["inwoners", "waarde"])
    assert figures.loc["kwb:woningen", "waarde"] == 12.0
    assert figures.loc["kwb:pct-65-plus", "waarde"] == 2.0  # a percentage is not a count
    summed = profiles.key_figures(context, "SD1", ["BU1", "BU2"], threshold=5).set_index("meting")
    assert summed.loc["inwoners", "waarde"] == 43.0 and summed.loc["inwoners", "jaar"] == 2024


def test_an_indicator_without_figures_at_this_level_says_why_and_what_fills_it(client: TestClient) -> None:
    """Geweldsmisdrijven (CBS: per gemeente only) on a buurt profile: no claim that the figure
    does not exist, but why it is not here and what fills it, without commands."""
    soup = BeautifulSoup(client.get("/gebieden/BU09350000").text, "html.parser")
    gaps = soup.select_one("ul.level-gaps")
    assert gaps is not None
    item = next(li for li in gaps.select("li") if li.select_one("a[href='/indicatoren/geweldsmisdrijven']"))
    text = item.get_text(" ", strip=True)
    assert "De bron publiceert dit niet per buurt." in text and "invulsjabloon" in text
    assert "veiligstad" not in text
    assert item.select_one("a[href*='gebied=BU09350000']") is not None
