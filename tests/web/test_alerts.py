# SPDX-License-Identifier: EUPL-1.2
"""Signalen: significant changes since a date, with a download and a link to the feed.

Once overdispersion is taken into account the embedded data raise no change alert, so the
page is tested on an app whose snapshot has constructed alerts (``alerts_app``), and the real
app is checked to show none for Maastricht 2023 → 2024 (+3,9%, p = 0,014 under Poisson).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.web.spreadsheet import dutch_csv
from veiligstad.engine.significance import Signal
from veiligstad.services import alerts as alert_service
from veiligstad.services.alerts import KIND_CHANGE, Alert
from veiligstad.services.snapshot import Snapshot
from veiligstad.services.snapshot_store import SnapshotStore
from veiligstad.settings import Settings
from veiligstad.web.app import create_app

QUASI = "quasi-Poisson-scoretoets (variantie = φ × gemiddelde)"


def constructed(before: str, after: str, values: tuple[float, float], p: float, q: float) -> Alert:
    """A year-on-year alert on registered crime in Maastricht (constructed figures)."""
    end = dt.date(int(after), 12, 31)
    relative = values[1] / values[0] - 1
    return Alert(
        KIND_CHANGE, "jaar op jaar", "misdrijven-totaal", "Geregistreerde misdrijven", "GM0935", "Maastricht",
        before, after, end, Signal.ROSE, p, values[0], values[1], "per 1.000 inwoners", relative, "ongunstig",
        q, 3, QUASI, "φ = 7,5 (gepoold: mediaan van 266 gemeenten met een eigen reeks)",
    )  # fmt: skip


#: Three constructed alerts, newest first (the period ends decide the default ``sinds``).
CONSTRUCTED = [
    constructed("2023", "2024", (63.9, 80.0), 0.0004, 0.0012),
    constructed("2020", "2022", (56.3, 72.0), 0.002, 0.006),
    constructed("2018", "2019", (66.0, 85.0), 0.001, 0.003),
]


@pytest.fixture(scope="module")
def alerts_app(web_settings: Settings) -> Iterator[FastAPI]:
    """An app over the shared warehouse whose snapshot has the constructed alerts. No stored
    snapshot is read or written (another test's real snapshot of the same warehouse state
    would otherwise be read instead of computed with the constructed alerts)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(alert_service, "alerts", lambda *_, **__: list(CONSTRUCTED))
        patch.setattr(SnapshotStore, "for_url", classmethod(lambda *_: None))
        app = create_app(web_settings)
        app.state.cache.get()  # the snapshot is made now, with the constructed alerts
        yield app


@pytest.fixture
def alerts_client(alerts_app: FastAPI) -> TestClient:
    return TestClient(alerts_app, follow_redirects=False)


def soup_of(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def rows_of(soup: BeautifulSoup) -> list[list[str]]:
    table = soup.select_one("table.alerts")
    if table is None:
        return []
    return [
        [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])] for row in table.select("tbody tr")
    ]


def test_the_embedded_data_raise_no_change_alert(client: TestClient) -> None:
    text = soup_of(client.get("/signalen?sinds=")).get_text(" ", strip=True)
    assert "2023 → 2024" not in text and "Benjamini–Hochberg" in text


def test_default_is_the_last_year_up_to_the_newest_alert(alerts_client: TestClient) -> None:
    response = alerts_client.get("/signalen")
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
    assert (row[3], row[4].split()[0]) == ("63,9", "80,0")
    assert row[5] == "+25,2% significant gestegen" and row[6] == "< 0,001" and row[7] == "ongunstig"
    links = {str(a["href"]) for a in soup.select("main a[href]")}
    assert {"/indicatoren/misdrijven-totaal", "/gebieden/GM0935", "/signalen.atom"} <= links
    assert "/signalen?sinds=" in links  # all alerts


def test_since_filters_on_the_end_of_the_later_period(alerts_client: TestClient, alerts_app: FastAPI) -> None:
    snapshot: Snapshot = alerts_app.state.cache.get()
    everything = rows_of(soup_of(alerts_client.get("/signalen?sinds=")))
    assert len(everything) == len(snapshot.alerts) > 2
    two = rows_of(soup_of(alerts_client.get("/signalen?sinds=2022-01-01")))
    assert [r[2].split(": ")[-1] for r in two] == ["2023 → 2024", "2020 → 2022"]
    soup = soup_of(alerts_client.get("/signalen?sinds=2030-01-01"))
    assert rows_of(soup) == []
    assert "Geen signalen van perioden die eindigen op of na 1 januari 2030" in soup.get_text(" ", strip=True)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_download(alerts_client: TestClient, fmt: str) -> None:
    response = alerts_client.get(f"/signalen?sinds=2022-01-01&download=signalen&format={fmt}")
    assert response.status_code == 200
    csv = fmt == "csv"
    frame = dutch_csv(response.content) if csv else pd.read_excel(io.BytesIO(response.content))
    assert list(frame["periode_na"].astype(str)) == ["2024", "2022"]
    first = frame.iloc[0]
    assert first["significantie"] == "significant gestegen" and first["oordeel"] == "ongunstig"
    assert first["p_waarde"] == pytest.approx(0.0004) and first["q_waarde"] == pytest.approx(0.0012)
    assert first["familie"] == 3 and first["toets"] == QUASI and first["spreiding"].startswith("φ = 7,5")
    assert first["relatieve_verandering"] == pytest.approx(80.0 / 63.9 - 1, abs=1e-4)


@pytest.mark.parametrize("value", ["gisteren", "2024-13-01"])
def test_bad_date(client: TestClient, value: str) -> None:
    response = client.get(f"/signalen?sinds={value}")
    assert response.status_code == 400
    text = soup_of(response).get_text(" ", strip=True)
    assert f"Onbekende datum '{value}'" in text and "JJJJ-MM-DD" in text


def test_in_english(alerts_client: TestClient) -> None:
    text = soup_of(alerts_client.get("/signalen?lang=en")).get_text(" ", strip=True)
    for phrase in (
        "significantly increased",
        "unfavourable",
        "year on year",
        "What is an alert?",
        "Registered crime",
    ):
        assert phrase in text, phrase


def test_phi_and_the_test_names_only_behind_hoe_berekend(client: TestClient) -> None:
    soup = soup_of(client.get("/signalen?sinds="))
    how = soup.select_one("details#hoe-berekend")
    assert how is not None and "Benjamini–Hochberg" in how.get_text()
    for details in soup.select("details"):
        details.decompose()
    text = soup.get_text(" ", strip=True)
    assert [w for w in ("φ", "Benjamini", "quasi-Poisson", "Gi*", "Mann") if w in text] == []
    assert "gewoon schommelt" in text
