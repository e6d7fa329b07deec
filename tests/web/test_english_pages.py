# SPDX-License-Identifier: EUPL-1.2
"""Full English (issue 14): the public pages in English have no Dutch left over.

A Dutch text on an English page is found by a few marker words that do not occur in English.
Proper names (areas, sources) stay Dutch: they sit inside ``lang="nl"`` elements (which a
screen reader then pronounces in Dutch), and the markers are whole words, so "Bronckhorst"
is no "Bron".
"""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup, Comment
from fastapi.testclient import TestClient

#: Pages checked in English (the start page redirects to /programma and keeps ``lang``).
PAGES = (
    "/",
    "/programma",
    "/hotspots",
    "/signalen",
    "/gebieden",
    "/indicatoren/misdrijven-totaal",
    "/indicatoren/schaalscore-hic",
    "/gebieden/WK093500",
    "/gebieden/BU09350000",
    "/gebieden/GM0935",
    "/gebieden/SD093501",
    "/indicatoren",
    "/indicatoren/geweldsmisdrijven",
    "/themas/veelvoorkomende-criminaliteit-hic",
    "/kaart",
)

#: Dutch words and phrases that an English page never needs.
MARKERS = re.compile(
    r"\b(geen|inwoners|nog|van de|per 1\.000|Bron|Toelichting|niet|wordt|zijn er|gebieden|cijfers|zonder"
    r"|jaar|jaren|eigen reeks|gemeenten|buurten|minder dan|meer dan|weinig|gegevens)\b"
)


def leftovers(html: str) -> list[str]:
    """Visible texts, titles and accessible names with a Dutch marker, outside ``lang="nl"``."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup(["script", "style"]):
        element.decompose()
    for element in soup.select('[lang="nl"]'):
        element.decompose()
    texts = [str(s) for s in soup.find_all(string=True) if not isinstance(s, Comment)]
    for attribute in ("title", "aria-label", "alt", "placeholder"):
        texts += [str(el[attribute]) for el in soup.find_all(attrs={attribute: True})]
    found = []
    for text in texts:
        flat = " ".join(text.split())
        if MARKERS.search(flat):
            found.append(flat[:160])
    return sorted(set(found))


@pytest.mark.parametrize("path", PAGES)
def test_no_dutch_left_on_english_pages(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?lang=en", follow_redirects=True)
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert leftovers(response.text) == [], path


def test_the_markers_find_dutch() -> None:
    """The check itself: a Dutch sentence is found, an English one and a marked name are not."""
    dutch = "Voor dit gebied zijn er geen cijfers."
    assert leftovers(f"<p>{dutch}</p>") == [dutch]
    assert leftovers('<p>No figures for <span lang="nl">Van de Veldestraat</span> in Bronckhorst.</p>') == []


def _shown_texts(spec: object) -> list[str]:
    """The texts a chart shows: titles of axes, legends and tooltips, and series names."""
    found: list[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in {"title", "series"} and isinstance(value, str):
                found.append(value)
            else:
                found += _shown_texts(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _shown_texts(item)
    return found


@pytest.mark.parametrize(
    "path",
    [
        "/indicatoren/misdrijven-totaal",
        "/themas/veelvoorkomende-criminaliteit-hic",
        "/gebieden/GM0935",
        "/gebieden",
        "/kaart",
        "/kaart?indicator=misdrijven-totaal&niveau=wijk&periode=2023",
        "/hotspots",
    ],
)
def test_charts_speak_the_page_s_language(client: TestClient, path: str) -> None:
    """Axis, legend and tooltip titles and series names of every chart, in English and in Dutch."""
    dutch_only = re.compile(r"\b(jaar|reeks|berekend|waarde|gepubliceerd|inwoners|per 1\.000)\b")
    english_only = re.compile(r"\b(year|series|computed|value|published|inhabitants|per 1,000)\b")
    for lang, wrong in (("en", dutch_only), ("nl", english_only)):
        joined = "&" if "?" in path else "?"
        soup = BeautifulSoup(client.get(f"{path}{joined}lang={lang}").text, "html.parser")
        specs = [json.loads(s.string) for s in soup.select('figure.chart script[type="application/json"]')]
        assert specs, path
        texts = [text for spec in specs for text in _shown_texts(spec)]
        assert texts and not [t for t in texts if wrong.search(t)], (lang, sorted(set(texts)))
