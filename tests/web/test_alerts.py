# SPDX-License-Identifier: EUPL-1.2
"""Signalen: significant changes since a date, with a download and a link to the feed."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from veiligstad.services.snapshot import Snapshot


def soup_of(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def rows_of(soup: BeautifulSoup) -> list[list[str]]:
    table = soup.select_one("table.alerts")
    if table is None:
        return []
    return [
        [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])] for row in table.select("tbody tr")
    ]


def test_default_is_the_last_year_up_to_the_newest_alert(client: TestClient) -> None:
    response = client.get("/signalen")
    assert response.status_code == 200
    soup = soup_of(response)
    assert len(soup.find_all("h1")) == 1
    date_input = soup.select_one("input#signalen-sinds")
    assert date_input is not None and date_input["value"] == "2024-01-01"
    assert soup.find("label", attrs={"for": "signalen-sinds"}) is not None
    rows = rows_of(soup)
    assert len(rows) == 1
    row = rows[0]
    assert row[0] == "31 december 2024"
    assert "Geregistreerde misdrijven" in row[1] and "Maastricht" in row[1]
    assert row[2] == "significante verandering jaar op jaar: 2023 → 2024"
    assert (row[3], row[4].split()[0]) == ("63,9", "66,4")
    assert row[5] == "+3,9% significant gestegen" and row[6] == "0,014" and row[7] == "ongunstig"
    links = {str(a["href"]) for a in soup.select("main a[href]")}
    assert {"/indicatoren/misdrijven-totaal", "/gebieden/GM0935", "/signalen.atom"} <= links
    assert "/signalen?sinds=" in links  # all alerts


def test_since_filters_on_the_end_of_the_later_period(client: TestClient, web_app: FastAPI) -> None:
    snapshot: Snapshot = web_app.state.cache.get()
    everything = rows_of(soup_of(client.get("/signalen?sinds=")))
    assert len(everything) == len(snapshot.alerts) > 2
    two = rows_of(soup_of(client.get("/signalen?sinds=2022-01-01")))
    assert [r[2].split(": ")[-1] for r in two] == ["2023 → 2024", "2020 → 2022"]
    soup = soup_of(client.get("/signalen?sinds=2030-01-01"))
    assert rows_of(soup) == []
    assert "Geen signalen van perioden die eindigen op of na 1 januari 2030" in soup.get_text(" ", strip=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_download(client: TestClient, fmt: str) -> None:
    response = client.get(f"/signalen?sinds=2022-01-01&download=signalen&format={fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        frame = pd.read_csv(io.StringIO(response.content.decode("utf-8-sig")))
    else:
        frame = pd.read_excel(io.BytesIO(response.content))
    assert list(frame["periode_na"].astype(str)) == ["2024", "2022"]
    first = frame.iloc[0]
    assert first["significantie"] == "significant gestegen" and first["oordeel"] == "ongunstig"
    assert first["p_waarde"] == pytest.approx(0.0144, abs=1e-4)
    assert first["relatieve_verandering"] == pytest.approx(0.0394, abs=1e-4)


@pytest.mark.parametrize("value", ["gisteren", "2024-13-01"])
def test_bad_date(client: TestClient, value: str) -> None:
    response = client.get(f"/signalen?sinds={value}")
    assert response.status_code == 400
    text = soup_of(response).get_text(" ", strip=True)
    assert f"Onbekende datum '{value}'" in text and "JJJJ-MM-DD" in text


def test_in_english(client: TestClient) -> None:
    text = soup_of(client.get("/signalen?lang=en")).get_text(" ", strip=True)
    for phrase in (
        "significantly increased",
        "unfavourable",
        "year on year",
        "What is an alert?",
        "Registered crime",
    ):
        assert phrase in text, phrase
