# SPDX-License-Identifier: EUPL-1.2
"""Phone first: one page of every kind in Debian's Chromium at 390 × 844 CSS px.

For each page: no page-level sideways scrolling, headings not clipped, chart text at least
11 CSS px as drawn (font size × the SVG's scale on screen), a wide table scrolls inside a
labelled, focusable region with its key column kept in view, zero axe-core violations, no
console errors and no request to another host. On ``/programma`` the latest value and the
verdict of every indicator are on screen without sideways scrolling; on ``/kaart`` "no figure"
has its own legend entry and a colour apart from the map classes. Screenshots go to
``$VEILIGSTAD_SCREENSHOTS`` (default: the test's temporary folder), as ``phone_<page>.png``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from tests.web.chromium import chromium, screenshot_name, visit
from veiligstad.reports import charts

WIDTH, HEIGHT = 390, 844
#: Smallest chart text a phone reader gets, in CSS px.
MIN_CHART_TEXT = 11.0

#: One page of every kind; those marked True have charts.
PAGES: dict[str, bool] = {
    "/programma": False,
    "/themas/veelvoorkomende-criminaliteit-hic": True,
    "/indicatoren": False,
    "/indicatoren/misdrijven-totaal": True,
    "/gebieden": True,
    "/gebieden/NL01": False,
    "/gebieden/GM0935": True,
    "/gebieden/SD093501": True,
    "/gebieden/WK093500": True,
    "/gebieden/BU09350000": True,
    "/kaart": True,
    "/hotspots": True,
    "/signalen": False,
    "/bronnen": False,
    "/methode": False,
    "/rapporten": False,
    "/rapporten/publieksversie.html": False,
    "/rapporten/voortgangsrapportage.html": False,
    "/acties": False,
    "/api-documentatie": False,
    "/inloggen": False,
}

#: Page width, clipped headings, chart text size and the scrolling tables, measured in the page.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = [...document.querySelectorAll('h1, h2, h3')]
    .filter(h => h.scrollWidth > h.clientWidth + 1 || h.getBoundingClientRect().right > width + 1)
    .map(h => h.textContent.trim().slice(0, 60));
  const sizes = [...document.querySelectorAll('div.vega svg text')]
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
    .map(t => parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b));
  const tables = [...document.querySelectorAll('.table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => {
      const first = w.querySelector('tbody tr > :first-child');
      return {
        role: w.getAttribute('role'),
        label: w.getAttribute('aria-label') || w.getAttribute('aria-labelledby'),
        tabindex: w.getAttribute('tabindex'),
        sticky: first ? getComputedStyle(first).position : 'none',
        name: (w.querySelector('caption') || w).textContent.trim().slice(0, 50),
      };
    });
  return {scrollWidth: document.documentElement.scrollWidth, clipped, sizes, tables};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("VEILIGSTAD_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def layout_problems(path: str, measured: dict[str, Any], has_charts: bool) -> list[str]:
    """What is wrong with a page's layout at phone width, one line each."""
    found = []
    if measured["scrollWidth"] > WIDTH:
        found.append(f"{path}: page is {measured['scrollWidth']} px wide (sideways scrolling)")
    found += [f"{path}: heading clipped: {h!r}" for h in measured["clipped"]]
    sizes = measured["sizes"]
    if has_charts and not sizes:
        found.append(f"{path}: no chart text drawn")
    if sizes and min(sizes) < MIN_CHART_TEXT:
        found.append(f"{path}: chart text {min(sizes):.1f} px (< {MIN_CHART_TEXT})")
    for table in measured["tables"]:
        if table["role"] != "region" or not table["label"] or table["tabindex"] != "0":
            found.append(f"{path}: wide table {table['name']!r} is not a labelled, focusable region")
        if table["sticky"] != "sticky":
            found.append(f"{path}: wide table {table['name']!r} does not keep its key column in view")
    return found


def programme_problems(page: Page) -> list[str]:
    """Latest value and verdict of every indicator on ``/programma`` are on screen."""
    cells = page.locator("table.status td[data-label]")
    found = [] if cells.count() else ["/programma: no status table"]
    for index in range(cells.count()):
        cell = cells.nth(index)
        box = cell.bounding_box()
        label = cell.get_attribute("data-label")
        off_screen = box is None or box["x"] < 0 or box["x"] + box["width"] > WIDTH
        if label in ("Laatste waarde", "Oordeel") and off_screen:
            found.append(f"/programma: {label} at {box} is not on screen")
    return found


def map_problems(page: Page) -> list[str]:
    """``/kaart``: areas without a figure have their own colour and legend entry."""
    found = []
    fills = page.eval_on_selector_all("div.vega svg path", "ps => ps.map(p => p.getAttribute('fill'))")
    legend = page.eval_on_selector_all("div.vega svg text", "ts => ts.map(t => t.textContent)")
    if charts.NO_VALUE not in fills:
        found.append("/kaart: no area or legend symbol in the 'no figure' colour")
    if not any("geen cijfer" in text for text in legend):
        found.append("/kaart: no legend entry for 'geen cijfer'")
    return found


def test_every_kind_of_public_page_fits_a_phone(browser: Browser, live_url: str, screenshots: Path) -> None:
    axe = Axe()
    problems: list[str] = []
    for path, has_charts in PAGES.items():
        with visit(browser, live_url + path, width=WIDTH, height=HEIGHT) as opened:
            page = opened.page
            problems += opened.problems(path)
            page.screenshot(path=str(screenshots / f"phone_{screenshot_name(path)}.png"), full_page=True)
            problems += layout_problems(path, page.evaluate(MEASURE), has_charts)
            if path == "/programma":
                problems += programme_problems(page)
            if path == "/kaart":
                problems += map_problems(page)
            result = axe.run(page)
            if result.violations_count:
                problems.append(f"{path}: axe\n{result.generate_report()}")
    assert not problems, "\n".join(problems)


def test_a_table_narrower_than_the_screen_is_no_tab_stop(browser: Browser, live_url: str) -> None:
    """The scroll region is added only where a table is wider than its column."""
    with visit(browser, live_url + "/indicatoren/misdrijven-totaal", width=1280, height=900) as wide:
        desktop = wide.page.locator(".table-wrap[tabindex]").count()
    with visit(browser, live_url + "/indicatoren/misdrijven-totaal", width=WIDTH, height=HEIGHT) as narrow:
        phone = narrow.page.locator(".table-wrap[role=region][tabindex='0'][aria-label]").count()
    assert phone > desktop
