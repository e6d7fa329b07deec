# SPDX-License-Identifier: EUPL-1.2
"""Kaart: a choropleth of any indicator at any level, with its table, defaults and errors."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response
from shapely.geometry import LinearRing

from tests.web.spreadsheet import dutch_csv
from veiligstad.reports.charts import NO_VALUE
from veiligstad.web.pages import maps


def soup_of(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def selected(soup: BeautifulSoup, select_id: str) -> str:
    option = soup.select_one(f"select#{select_id} option[selected]")
    assert option is not None
    return str(option["value"])


def map_features(soup: BeautifulSoup) -> list[dict[str, Any]]:
    script = soup.find("script", id="kaart-choropleth")
    assert script is not None, "no map on the page"
    spec = json.loads(script.get_text())
    for dataset in spec["datasets"].values():
        if isinstance(dataset, dict) and dataset.get("type") == "FeatureCollection":
            return dataset["features"]
    raise AssertionError("no features")


def table_rows(soup: BeautifulSoup) -> dict[str, list[str]]:
    """Area code → the cells of its row in the map's data table."""
    out = {}
    caption = soup.select_one("main table caption")
    assert caption is not None
    for row in caption.find_parent("table").select("tbody tr"):
        cells = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
        out[cells[0].split()[-1]] = cells
    return out


def test_defaults_are_crime_per_buurt_in_the_latest_year_with_buurt_values(client: TestClient) -> None:
    response = client.get("/kaart")
    assert response.status_code == 200
    soup = soup_of(response)
    assert selected(soup, "kaart-indicator") == "misdrijven-totaal"
    assert selected(soup, "kaart-niveau") == "buurt"
    assert selected(soup, "kaart-periode") == "2023"
    for control in soup.select("form.filters select"):
        assert soup.find("label", attrs={"for": control["id"]}) is not None
    assert soup.select_one("form.filters button[type=submit]") is not None
    features = map_features(soup)
    assert len(features) == 44
    rows = table_rows(soup)
    assert len(rows) == 44
    assert rows["BU09350000"][1] == "558,7" and rows["BU09350000"][2] == "528,0 – 590,8"


def test_suppressed_buurt_is_grey_and_never_a_rate(client: TestClient) -> None:
    soup = soup_of(client.get("/kaart?indicator=misdrijven-totaal&niveau=buurt&periode=2023"))
    lanakerveld = next(f for f in map_features(soup) if f["properties"]["code"] == "BU09350304")
    assert lanakerveld["properties"]["label"] == "< 5"
    assert lanakerveld["properties"]["category"].startswith("geen cijfer")
    spec = json.loads(soup.find("script", id="kaart-choropleth").get_text())
    scale = spec["encoding"]["color"]["scale"]
    assert scale["range"][scale["domain"].index(lanakerveld["properties"]["category"])] == NO_VALUE
    row = table_rows(soup)["BU09350304"]
    assert row[1] == "< 5" and row[2] == "–" and "afgeschermd" in row[4]
    csv = dutch_csv(client.get("/kaart?download=kaart&format=csv").content)
    hidden = csv[csv["code"] == "BU09350304"].iloc[0]
    assert hidden["afscherming"] == "< 5" and pd.isna(hidden["waarde"]) and pd.isna(hidden["ci_laag"])


def test_the_buurt_that_would_give_the_small_count_away_is_withheld_too(client: TestClient) -> None:
    """Belvédère (16) is withheld with Lanakerveld (3): otherwise wijk and stadsdeel Noord-West
    minus their other buurten give 3 (``engine.disclosure``)."""
    soup = soup_of(client.get("/kaart?indicator=misdrijven-totaal&niveau=buurt&periode=2023"))
    belvedere = next(f for f in map_features(soup) if f["properties"]["code"] == "BU09350303")
    assert belvedere["properties"]["label"] == "afgeschermd"
    row = table_rows(soup)["BU09350303"]
    assert row[1] == "afgeschermd" and row[2] == "–" and "niet terug te rekenen" in row[4]
    assert "Soms laten we ook een ander, groter aantal weg" in soup.get_text(" ", strip=True)
    csv = dutch_csv(client.get("/kaart?download=kaart&format=csv").content)
    hidden = csv[csv["code"] == "BU09350303"].iloc[0]
    assert hidden["afscherming"] == "afgeschermd" and pd.isna(hidden["waarde"])


@pytest.mark.parametrize(
    ("level", "count", "code", "value"),
    [
        ("wijk", 7, "WK093500", "159,6"),
        ("stadsdeel", 7, "SD093501", "159,6"),
        ("gemeente", 345, "GM0935", "63,9"),
    ],
)
def test_each_level(client: TestClient, level: str, count: int, code: str, value: str) -> None:
    response = client.get(f"/kaart?indicator=misdrijven-totaal&niveau={level}&periode=2023")
    assert response.status_code == 200
    soup = soup_of(response)
    features = map_features(soup)
    assert len(features) == count
    rows = table_rows(soup)
    assert len(rows) == count and rows[code][1] == value
    for feature in features:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        assert all(not LinearRing(p[0]).is_ccw for p in polygons)  # clockwise: no whole-globe fill


def test_gemeente_level_defaults_to_its_latest_year(client: TestClient) -> None:
    soup = soup_of(client.get("/kaart?niveau=gemeente"))
    assert selected(soup, "kaart-periode") == "2024"
    links = {a["href"] for a in soup.select("main a[href]")}
    assert "/gebieden/GM0935" in links
    assert "/gebieden/GM0363" not in links  # other gemeenten are not linked (keeps the site small to crawl)


def test_legend_classes_are_ordered_and_colour_blind_safe(client: TestClient) -> None:
    spec = json.loads(soup_of(client.get("/kaart")).find("script", id="kaart-choropleth").get_text())
    scale = spec["encoding"]["color"]["scale"]
    assert scale["range"][:-1] == maps.BLUES[5] and scale["domain"][-1].startswith("geen cijfer")
    lows = [float(d.split(" – ")[0].replace(".", "").replace(",", ".")) for d in scale["domain"][:-1]]
    assert lows == sorted(lows)


def test_combination_without_values_says_so_and_links_to_what_exists(client: TestClient) -> None:
    response = client.get("/kaart?indicator=schaalscore-hic&niveau=buurt")
    assert response.status_code == 200
    soup = soup_of(response)
    assert "Er zijn geen cijfers voor" in soup.get_text()
    assert soup.find("script", id="kaart-choropleth") is None
    hrefs = {a["href"] for a in soup.select("section[aria-labelledby=beschikbaar] a")}
    assert "/kaart?indicator=schaalscore-hic&niveau=gemeente&periode=2019" in hrefs
    followed = client.get("/kaart?indicator=schaalscore-hic&niveau=gemeente&periode=2019")
    assert followed.status_code == 200 and table_rows(soup_of(followed))["GM0935"][1] == "3,3"


def test_indicator_without_level_picks_a_level_with_values(client: TestClient) -> None:
    soup = soup_of(client.get("/kaart?indicator=schaalscore-hic"))
    assert selected(soup, "kaart-niveau") == "gemeente"
    assert soup.find("script", id="kaart-choropleth") is not None


def test_published_only_values_are_marked(client: TestClient) -> None:
    soup = soup_of(client.get("/kaart?indicator=geweldsmisdrijven&niveau=gemeente&periode=2021"))
    row = table_rows(soup)["GM0935"]
    assert row[1] == "5,0" and "gepubliceerd" in row[4]


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("indicator=bestaat-niet", 404, "Onbekende indicator"),
        ("niveau=provincie", 400, "Onbekend niveau"),
        ("periode=twintig", 400, "Ongeldige periode"),
        ("periode=1900", 404, "Er zijn geen cijfers voor"),
    ],
)
def test_unknown_choices_are_explained_in_dutch(
    client: TestClient, query: str, status: int, text: str
) -> None:
    response = client.get(f"/kaart?{query}")
    assert response.status_code == status
    assert text in response.text


def test_unknown_period_lists_the_periods_that_exist(client: TestClient) -> None:
    soup = soup_of(client.get("/kaart?periode=1900"))
    hrefs = {a["href"] for a in soup.select("section[aria-labelledby=beschikbaar] a")}
    assert "/kaart?indicator=misdrijven-totaal&niveau=buurt&periode=2023" in hrefs


@pytest.mark.parametrize("table", ["kaart", "beschikbaar"])
def test_downloads_parse(client: TestClient, table: str) -> None:
    csv = client.get(f"/kaart?niveau=gemeente&download={table}&format=csv")
    assert csv.status_code == 200
    frame = dutch_csv(csv.content)
    if table == "kaart":
        assert len(frame) == 345 and set(maps.TABLE_COLUMNS) <= set(frame.columns)
    else:
        assert {"niveau", "periode", "gebieden"} <= set(frame.columns)
    xlsx = client.get(f"/kaart?niveau=gemeente&download={table}&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == len(frame) + 1


def test_downloads_round_as_the_page_and_csv_raw_keeps_full_precision(client: TestClient) -> None:
    """Issue 14, item 5: the Dutch CSV has the indicator's decimals (the page's figures), the XLSX
    the same values as numbers with a number format, csv-raw the full precision."""
    url = "/kaart?indicator=misdrijven-totaal&niveau=buurt&periode=2023&download=kaart"
    text = client.get(f"{url}&format=csv").content.decode("utf-8-sig")
    lines = dict(line.split(";", 1) for line in text.splitlines()[1:])
    assert lines["BU09350000"].startswith("Binnenstad;buurt;2023;558,7;"), lines["BU09350000"]
    for line in lines.values():
        for cell in line.split(";")[3:6]:  # waarde, ci_laag, ci_hoog
            assert not cell or len(cell.partition(",")[2]) <= 1, line
    raw = pd.read_csv(io.StringIO(client.get(f"{url}&format=csv-raw").text), dtype={"periode": str})
    binnenstad = raw[raw["code"] == "BU09350000"].iloc[0]
    assert binnenstad["waarde"] == pytest.approx(1232 / 2205 * 1000) and binnenstad["waarde"] != 558.7
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"{url}&format=xlsx").content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "BU09350000")
    cell = row[header.index("waarde")]
    assert cell.value == 558.7 and cell.number_format == "0.0"


def test_map_in_english(client: TestClient) -> None:
    soup = soup_of(client.get("/kaart?lang=en"))
    text = soup.get_text(" ", strip=True)
    assert "Show the map" in text and "558.7" in text
    categories = {f["properties"]["category"] for f in map_features(soup)}
    assert "no figure or < 5 or withheld" in categories  # Belvédère 2023 protects Lanakerveld


def test_quantile_classes() -> None:
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, float("nan")])
    klass = maps.classes(values)
    assert klass.iloc[:10].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4] and pd.isna(klass.iloc[10])
    assert maps.class_labels(values, klass, 1, "nl")[0] == "1,0 – 2,0"
    single = maps.classes(pd.Series([5.0, float("nan")]))
    assert single.iloc[0] == 0
