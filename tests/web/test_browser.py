# SPDX-License-Identifier: EUPL-1.2
"""Every public page in Debian's Chromium: content, no console errors, no request to another
host, zero axe-core violations (WCAG 2.1 AA and best practices), and a screenshot.

The pages are found by following the links from ``/programma`` (a crawl with the test
client checks that every link answers 200); Chromium opens up to two pages per kind of page
(first path segment and depth). Screenshots go to ``$VEILIGSTAD_SCREENSHOTS`` (default: the
test's temporary folder) so they can be looked at.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, ConsoleMessage, Request

# CHROMIUM and FLAGS are imported from here by other browser tests.
from tests.web.chromium import CHROMIUM as CHROMIUM
from tests.web.chromium import FLAGS as FLAGS
from tests.web.chromium import chromium

SKIP = re.compile(r"^/(api/|intern|static|inloggen|uitloggen)|download=|\.(atom|pdf|html)(\?|$)|lang=")
MAX_PAGES = 400
#: The richest pages, always opened: every chart kind and the largest tables.
ALWAYS = ("/indicatoren/misdrijven-totaal", "/themas/veelvoorkomende-criminaliteit-hic", "/kaart")
PER_KIND = 2


def crawl(client: TestClient, start: str = "/programma") -> tuple[list[str], list[tuple[str, int]]]:
    """Every public page reachable from ``start`` that answers 200, and the broken links."""
    seen, queue, broken, pages = {start}, [start], [], []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200:
            broken.append((url, response.status_code))
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # a feed or a file: checked for its status only
        pages.append(url)
        soup = BeautifulSoup(response.text, "html.parser")
        for link in soup.find_all("a", href=True):
            href = str(link["href"]).split("#")[0]
            if not href.startswith("/") or href.startswith("//") or SKIP.search(href) or href in seen:
                continue
            seen.add(href)
            queue.append(href)
    return sorted(pages), broken


def representatives(urls: list[str]) -> list[str]:
    """Up to ``PER_KIND`` pages per first path segment, depth and kind of area code (BU, WK, GM…)."""
    kinds: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    for url in urls:
        parts = [p for p in urlsplit(url).path.split("/") if p]
        code = parts[-1][:2] if len(parts) > 1 and parts[-1][:2].isupper() else ""
        kinds[(parts[0] if parts else "", len(parts), code)].append(url)
    chosen = [u for group in kinds.values() for u in group[:PER_KIND]]
    return chosen + [u for u in ALWAYS if u in urls and u not in chosen]


@pytest.fixture(scope="module")
def crawled(web_app: FastAPI) -> tuple[list[str], list[tuple[str, int]]]:
    return crawl(TestClient(web_app))


@pytest.fixture(scope="module")
def public_pages(crawled: tuple[list[str], list[tuple[str, int]]]) -> list[str]:
    return crawled[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("VEILIGSTAD_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_no_broken_links_on_public_pages(crawled: tuple[list[str], list[tuple[str, int]]]) -> None:
    pages, broken = crawled
    assert "/programma" in pages
    assert not broken, f"broken links: {broken}"


def test_every_kind_of_public_page_in_chromium(
    browser: Browser, live_url: str, public_pages: list[str], screenshots: Path
) -> None:
    axe = Axe()
    problems: list[str] = []
    for path in representatives(public_pages):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
        page = context.new_page()
        errors: list[str] = []
        foreign: list[str] = []

        def on_console(message: ConsoleMessage, errors: list[str] = errors) -> None:
            if message.type == "error":
                errors.append(message.text)

        def on_request(request: Request, foreign: list[str] = foreign) -> None:
            host = urlsplit(request.url).hostname
            if request.url.startswith(("http://", "https://")) and host != "127.0.0.1":
                foreign.append(request.url)

        page.on("console", on_console)
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.on("request", on_request)
        response = page.goto(live_url + path, wait_until="networkidle")
        assert response is not None
        if response.status != 200:
            problems.append(f"{path}: status {response.status}")
        if page.locator("div.vega[data-spec]").count():
            page.wait_for_selector("div.vega.drawn", timeout=15000)
        assert page.locator("main h1").count() >= 1, f"{path}: no h1"
        name = re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_") or "start"
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        result = axe.run(page)
        if result.violations_count:
            problems.append(f"{path}: axe\n{result.generate_report()}")
        problems += [f"{path}: console: {e}" for e in errors]
        problems += [f"{path}: request to another host: {u}" for u in foreign]
        context.close()
    assert not problems, "\n".join(problems)
