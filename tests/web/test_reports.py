# SPDX-License-Identifier: EUPL-1.2
"""Rapporten: the page with the download buttons, the generated PDF and HTML documents (public
figures only), the errors, and the pages in Chromium with axe-core."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from veiligstad import formatting
from veiligstad.services import monitor
from veiligstad.services.snapshot import Snapshot


def snapshot_of(app: FastAPI) -> Snapshot:
    found: Snapshot = app.state.cache.get()
    return found


def rate(app: FastAPI, area: str, year: int) -> float:
    rows = monitor.series(snapshot_of(app).values, "misdrijven-totaal", area)
    return float(rows[rows["period"] == str(year)]["value"].iloc[0])


def test_reports_page_lists_four_reports_with_buttons(client: TestClient) -> None:
    page = client.get("/rapporten")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert [h.text for h in soup.find_all("h1")] == ["Rapporten"]
    assert [h.text for h in soup.select(".report-card h2")] == [
        "Voortgangsrapportage",
        "Tussentijdse evaluatie",
        "Gebiedsprofiel",
        "Publieksversie",
    ]
    forms = soup.select("form.report-form")
    assert [f["action"] for f in forms] == [
        "/rapporten/voortgangsrapportage.pdf",
        "/rapporten/tussentijdse-evaluatie.pdf",
        "/rapporten/gebiedsprofiel.pdf",
        "/rapporten/publieksversie.pdf",
    ]
    for form in forms:
        buttons = form.find_all("button")
        assert [b.get("formaction") for b in buttons][1].endswith(".html")  # type: ignore[union-attr]
        for select in form.find_all("select"):
            assert soup.find("label", attrs={"for": select["id"]}) is not None
    years = [o.text for o in soup.select("#jaar-voortgangsrapportage option")]
    assert years[0] == "2024" and "2021" in years
    areas = {o["value"]: o.text for o in soup.select("#gebied-gebiedsprofiel option")}
    assert areas["BU09350201"] == "Mariaberg" and areas["SD093501"] == "Centrum" and len(areas) == 44 + 7 + 7
    assert soup.find("a", href="/rapporten/publieksversie.html") is not None


def test_reports_page_in_english(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/rapporten?lang=en").text, "html.parser")
    assert soup.h1 is not None and soup.h1.text == "Reports"
    assert "Progress report" in soup.text and "Download PDF" in soup.text


def test_progress_report_as_web_page(client: TestClient, web_app: FastAPI) -> None:
    response = client.get("/rapporten/voortgangsrapportage.html")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.h1 is not None and soup.h1.text == "Voortgangsrapportage 2024"
    assert formatting.number(rate(web_app, "GM0935", 2024), 1) in soup.text
    assert "Openbaar: kleine aantallen zijn afgeschermd." in soup.text
    again = client.get("/rapporten/voortgangsrapportage.html?jaar=2024")
    assert again.text == response.text


def test_public_version_pdf_download(client: TestClient, web_app: FastAPI, tmp_path: Path) -> None:
    response = client.get("/rapporten/publieksversie.pdf?jaar=")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="publieksversie-2024.pdf"'
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "publiek.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Veiligheid in Maastricht 2024" in text and "Uitleg van woorden" in text
    assert formatting.number(rate(web_app, "GM0935", 2024), 1) in text
    key = ("reports", "public", 2024, None, "pdf")
    assert snapshot_of(web_app).memo[key] == response.content  # built once per snapshot


def test_public_figures_only(client: TestClient, web_app: FastAPI) -> None:
    """Lanakerveld has fewer than 5 registered crimes in 2023: '< 5', never its rate."""
    values = snapshot_of(web_app).values
    row = values[
        (values["indicator_id"] == "misdrijven-totaal") & (values["area_name"] == "Lanakerveld")
    ].iloc[0]
    assert 0 < row["numerator"] < 5
    hidden = formatting.number(float(row["value"]), 1)
    soup = BeautifulSoup(client.get("/rapporten/publieksversie.html").text, "html.parser")
    cells = [
        [td.text for td in th.find_parent("tr").find_all("td")]
        for th in soup.find_all("th", string="Lanakerveld")
    ]
    assert cells and all(hidden not in c for c in cells) and all("< 5" in c for c in cells)


def test_area_profile_of_a_wijk(client: TestClient, web_app: FastAPI) -> None:
    response = client.get("/rapporten/gebiedsprofiel.html?gebied=wk093500&jaar=2024")
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.h1 is not None and soup.h1.text == "Gebiedsprofiel Wijk 00 Centrum"
    assert formatting.number(rate(web_app, "WK093500", 2023), 1) in soup.text
    pdf = client.get("/rapporten/gebiedsprofiel.pdf?gebied=WK093500")
    assert pdf.status_code == 200
    assert pdf.headers["content-disposition"] == 'attachment; filename="gebiedsprofiel-wk093500-2024.pdf"'


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/rapporten/jaarverslag.pdf", 404, "Er is geen rapport &#39;jaarverslag.pdf&#39;."),
        ("/rapporten/voortgangsrapportage.docx", 404, "Er is geen rapport"),
        ("/rapporten/voortgangsrapportage", 404, "Er is geen rapport"),
        ("/rapporten/voortgangsrapportage.pdf?jaar=vorig", 400, "Ongeldig jaar"),
        ("/rapporten/voortgangsrapportage.pdf?jaar=1990", 404, "Geen cijfers voor jaar 1990."),
        ("/rapporten/gebiedsprofiel.pdf", 400, "Een gebiedsprofiel is voor één gebied: kies een gebied."),
        ("/rapporten/gebiedsprofiel.pdf?gebied=BU99999999", 404, "Onbekend gebied"),
        ("/rapporten/gebiedsprofiel.html?gebied=GM0363", 400, "is gemeente Amsterdam"),
    ],
)
def test_errors(client: TestClient, path: str, status: int, message: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert message in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_midterm_evaluation_as_web_page(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/rapporten/tussentijdse-evaluatie.html").text, "html.parser")
    assert soup.h1 is not None and soup.h1.text == "Tussentijdse evaluatie 2023–2026"
    assert soup.find(id="hotspots-kaart") is not None and soup.find(id="opkomend") is not None
    assert re.search(r"minimaal 10 nodig", soup.text)


def test_pages_in_chromium_with_axe(live_url: str, tmp_path: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from tests.web.test_browser import CHROMIUM, FLAGS

    folder = Path(os.environ.get("VEILIGSTAD_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for path in ("/rapporten", "/rapporten/publieksversie.html", "/rapporten/voortgangsrapportage.html"):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            response = page.goto(live_url + path, wait_until="networkidle")
            assert response is not None and response.status == 200, path
            page.screenshot(path=str(folder / f"{path.strip('/').replace('/', '_')}.png"), full_page=True)
            result = Axe().run(page)
            if result.violations_count:
                problems.append(f"{path}:\n{result.generate_report()}")
            problems += [f"{path}: console: {e}" for e in errors]
            page.close()
        browser.close()
    assert not problems, "\n".join(problems)
