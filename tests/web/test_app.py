# SPDX-License-Identifier: EUPL-1.2
"""The app shell: start page, headers, errors, downloads, language."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
from anyio import to_thread
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import log_in
from tests.web.spreadsheet import dutch_csv
from veiligstad.domain.accounts import Role
from veiligstad.settings import Settings
from veiligstad.web.app import create_app


def test_start_page_is_the_programme(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/programma"


def test_programme_page_lists_every_theme_with_a_verdict(client: TestClient) -> None:
    response = client.get("/programma")
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.html is not None and soup.html["lang"] == "nl"
    headings = [h.get_text(" ", strip=True) for h in soup.select("main h2")]
    assert any("Ondermijnende criminaliteit" in h for h in headings), headings
    assert len(headings) >= 6  # 4 speerpunten, 2 aandachtspunten (+ context)
    verdicts = {v.get_text(strip=True) for v in soup.select(".verdict")}
    allowed = {"verbeterd", "verslechterd", "geen significante verandering", "te weinig gegevens"}
    assert verdicts and verdicts <= allowed, verdicts
    # Dutch number formatting: a decimal comma in the figures column.
    assert any("," in td.get_text() for td in soup.select("td.num"))


def test_every_theme_has_a_counted_verdict_or_says_why_not(client: TestClient) -> None:
    """The theme verdict counts its indicators' own verdicts (never an index); themes without
    effect indicators say how the programme follows them instead of 'nog geen indicatoren'."""
    soup = BeautifulSoup(client.get("/programma").text, "html.parser")
    for section in soup.select("main section[aria-labelledby^=thema-]"):
        rows = section.select("tbody tr")
        line = section.select_one(".theme-verdict")
        if not rows:
            assert line is None and "geen effectindicatoren" in section.get_text(" ", strip=True)
            continue
        assert line is not None
        text = line.get_text(" ", strip=True)
        assert f" van {len(rows)} indicator" in text, text
        counted = sum(int(n) for n in re.findall(r"(?:^|, )(\d+) ", text.split(": ", 1)[1]))
        assert counted == len(rows), text  # every indicator is counted once
    english = BeautifulSoup(client.get("/programma?lang=en").text, "html.parser")
    assert "Verdict for this theme" in english.get_text(" ", strip=True)


def test_security_headers_and_no_external_references(client: TestClient) -> None:
    response = client.get("/programma")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    soup = BeautifulSoup(response.text, "html.parser")
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
        for element in soup.find_all(tag):
            value = element.get(attr)
            assert value is None or str(value).startswith("/"), value


def test_unknown_page_is_a_dutch_404_page(client: TestClient) -> None:
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Niet gevonden" in response.text and "<html" in response.text


def test_status_table_downloads_as_csv_and_xlsx(client: TestClient) -> None:
    csv = client.get("/programma?download=status&format=csv")
    assert csv.status_code == 200
    assert csv.headers["content-disposition"].endswith('.csv"')
    frame = dutch_csv(csv.content)
    assert {"indicator_id", "basiswaarde", "laatste_waarde", "significantie", "oordeel"} <= set(frame.columns)
    xlsx = client.get("/programma?download=status&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == len(frame) + 1


def test_unknown_download_names_the_tables_of_the_page(client: TestClient) -> None:
    response = client.get("/programma?download=nope")
    assert response.status_code == 404
    assert "status" in response.text


def test_english_switch_sets_language_and_keeps_it(client: TestClient) -> None:
    response = client.get("/programma?lang=en")
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.html is not None and soup.html["lang"] == "en"
    again = client.get("/programma")
    assert BeautifulSoup(again.text, "html.parser").html["lang"] == "en"  # type: ignore[index]


def test_vega_bundle_is_served_locally(client: TestClient) -> None:
    response = client.get("/static/vega-bundle.js")
    assert response.status_code == 200
    assert "window.vegaEmbed" in response.text


def test_anonymous_pages_are_cached_per_snapshot_and_set_no_visitor_cookie(
    web_app: FastAPI, client: TestClient
) -> None:
    from tests.web.test_caching import page_cache

    client.get("/programma")  # builds the middleware stack
    page_cache(web_app).clear()  # unknown parameters (?cachetest=1) no longer make a new entry
    first = client.get("/programma")
    second = client.get("/programma")
    assert "x-veiligstad-cache" not in first.headers
    assert second.headers.get("x-veiligstad-cache") == "hit"
    assert second.text == first.text
    assert "set-cookie" not in first.headers  # no per-visitor cookie on a public page
    assert second.headers["content-security-policy"] == first.headers["content-security-policy"]


def test_logged_in_pages_are_never_served_from_the_cache(web_app: FastAPI) -> None:
    client = log_in(TestClient(web_app, follow_redirects=False), Role.RAAD)
    client.get("/programma?cachetest=2")
    again = client.get("/programma?cachetest=2")
    assert "x-veiligstad-cache" not in again.headers
    assert "Uitloggen" in again.text


def test_xlsx_download_of_timestamps_with_a_time_zone() -> None:
    import datetime as dt

    from veiligstad.web.downloads import table_response

    frame = pd.DataFrame({"geladen": [pd.Timestamp(dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC))]})
    response = table_response(frame, "test", "tijden", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.body)).active
    assert sheet is not None and sheet["A2"].value == dt.datetime(2026, 1, 2, 3, 4)  # noqa: DTZ001


def test_api_documentation_is_an_offline_page_generated_from_the_openapi_document(client: TestClient) -> None:
    assert client.get("/api/v1/docs").headers["location"] == "/api-documentatie"
    page = client.get("/api-documentatie")
    assert page.status_code == 200
    document = client.get("/api/v1/openapi.json").json()
    soup = BeautifulSoup(page.text, "html.parser")
    listed = {code.get_text() for code in soup.select("#overzicht + div table tbody th code")}
    assert listed == set(document["paths"]), listed ^ set(document["paths"])
    assert "cdn" not in page.text.lower()


def test_a_head_request_never_fills_the_cache_with_an_empty_answer(client: TestClient) -> None:
    head = client.head("/static/style.css?cachetest=head")
    assert head.status_code == 200 and head.content == b""
    page = client.get("/static/style.css?cachetest=head")
    assert page.status_code == 200 and "--brand" in page.text


def test_the_server_renders_as_many_pages_at_once_as_the_setting_says(web_settings: Settings) -> None:
    """``VEILIGSTAD_WEB_THREADS``: the thread pool of the pages (anyio's default of 40 made
    every page slower under load, ``benchmarks/web_load.py --logged-in``)."""
    app = create_app(web_settings.model_copy(update={"web_threads": 3}))
    with TestClient(app) as started:
        assert started.get("/programma").status_code == 200
        tokens = started.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3
    assert Settings(secret_key="x" * 32).web_threads == 8
