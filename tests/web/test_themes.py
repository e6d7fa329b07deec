# SPDX-License-Identifier: EUPL-1.2
"""Thema: indicators with latest value, change since the baseline, verdict and small trends."""

from __future__ import annotations

import io

import openpyxl
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.web.spreadsheet import dutch_csv

THEME = "/themas/veelvoorkomende-criminaliteit-hic"
VERDICTS = {"verbeterd", "verslechterd", "geen significante verandering", "te weinig gegevens"}


def test_theme_lists_its_indicators_with_verdicts(client: TestClient) -> None:
    response = client.get(THEME)
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert [h.get_text(strip=True) for h in soup.find_all("h1")] == ["Veelvoorkomende criminaliteit/HIC"]
    assert "speerpunt" in soup.select_one(".lead").get_text()  # type: ignore[union-attr]
    table = soup.select_one("section[aria-labelledby=indicatoren] table")
    assert table is not None
    links = [a["href"] for a in table.select("tbody a")]
    assert "/indicatoren/diefstallen-uit-woning" in links and "/indicatoren/winkeldiefstallen" in links
    verdicts = {v.get_text(strip=True) for v in table.select(".verdict")}
    assert verdicts and verdicts <= VERDICTS
    assert table.select(".signal"), "every change carries its significance label"
    # Baseline and latest value are both the published 2021 figure: nothing to compare yet.
    assert "nog geen waarde na het basisjaar" in table.get_text()


def test_small_trend_only_with_two_computed_years_otherwise_a_reason(client: TestClient) -> None:
    soup = BeautifulSoup(client.get(THEME).text, "html.parser")
    cards = {c.find("h3").get_text(strip=True): c for c in soup.select(".trend-cards .card")}  # type: ignore[union-attr]
    woning = cards["Diefstallen uit woning"]
    assert woning.select_one("figure.chart") is not None and woning.find("table") is not None
    rows = {
        tr.th.get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in woning.select("tbody tr")
    }  # type: ignore[union-attr]
    assert rows["2014"][0] == "7,8" and rows["2021"] == ["–", "–", "1,1"]
    halt = cards["Verwijzingen Halt"]
    assert halt.select_one("figure.chart") is None
    assert "Geen berekende reeks: geen brongegevens" in halt.get_text(" ", strip=True)
    assert "2017–2021" in halt.get_text()


def test_theme_without_indicators_says_so(client: TestClient) -> None:
    response = client.get("/themas/ondermijnende-criminaliteit")
    assert response.status_code == 200
    assert "geen effectindicatoren vast" in response.text and "met de acties" in response.text


def test_theme_tables_download(client: TestClient) -> None:
    for table, columns in (
        ("indicatoren", {"indicator_id", "oordeel", "significantie"}),
        ("reeksen", {"indicator_id", "jaar", "waarde"}),
    ):
        csv = client.get(f"{THEME}?download={table}&format=csv")
        assert csv.status_code == 200
        frame = dutch_csv(csv.content)
        assert columns <= set(frame.columns) and not frame.empty
        xlsx = client.get(f"{THEME}?download={table}&format=xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet is not None and sheet.max_row == len(frame) + 1
    frame = dutch_csv(client.get(f"{THEME}?download=indicatoren").content)
    assert set(frame["indicator_id"]) == {
        "schaalscore-vermogensdelicten",
        "schaalscore-hic",
        "halt-verwijzingen",
        "winkeldiefstallen",
        "geweldsmisdrijven",
        "diefstallen-uit-woning",
    }


def test_unknown_theme_is_a_404_page(client: TestClient) -> None:
    response = client.get("/themas/bestaat-niet")
    assert response.status_code == 404
    assert "Onbekend thema" in response.text


def test_theme_in_english(client: TestClient) -> None:
    soup = BeautifulSoup(client.get(f"{THEME}?lang=en").text, "html.parser")
    assert soup.html is not None and soup.html["lang"] == "en"
    text = soup.get_text(" ", strip=True)
    assert "Indicators of this theme" in text and "Burglary of homes" in text
