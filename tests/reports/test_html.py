# SPDX-License-Identifier: EUPL-1.2
"""The HTML of every report, checked structurally: one h1, a table of contents whose links all
resolve, alt text on every chart, headers on every table, and nothing loaded from elsewhere."""

from __future__ import annotations

import base64

import pytest
from bs4 import BeautifulSoup

from tests.reports.conftest import Rendered
from veiligstad.reports.model import ReportKind


@pytest.fixture(params=list(ReportKind), ids=[k.value for k in ReportKind])
def soup_of(
    request: pytest.FixtureRequest, rendered: dict[ReportKind, Rendered]
) -> tuple[Rendered, BeautifulSoup]:
    found = rendered[request.param]
    return found, BeautifulSoup(found.html, "html.parser")


def test_document_metadata(soup_of: tuple[Rendered, BeautifulSoup]) -> None:
    found, soup = soup_of
    assert soup.html is not None and soup.html["lang"] == "nl"
    assert soup.title is not None and soup.title.text == f"{found.report.title} – Gemeente Maastricht"
    assert soup.find("meta", attrs={"name": "author"})["content"] == "Gemeente Maastricht"  # type: ignore[index]
    assert len(soup.find_all("h1")) == 1 and soup.h1 is not None and soup.h1.text == found.report.title
    assert "Bron: CBS/Politie" in soup.text
    assert "berekend op" in soup.select_one(".facts .stand").text  # type: ignore[union-attr]


def test_ids_are_unique(soup_of: tuple[Rendered, BeautifulSoup]) -> None:
    _, soup = soup_of
    ids = [str(tag["id"]) for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_table_of_contents_links_resolve(soup_of: tuple[Rendered, BeautifulSoup]) -> None:
    found, soup = soup_of
    links = soup.select("nav.toc a")
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    assert len(links) == len(found.report.outline())
    for link in links:
        assert str(link["href"]).startswith("#") and str(link["href"])[1:] in ids


def test_headings_follow_the_outline(soup_of: tuple[Rendered, BeautifulSoup]) -> None:
    found, soup = soup_of
    for depth, section in found.report.outline():
        heading = soup.find(id=f"{section.id}-kop")
        assert heading is not None and heading.name == f"h{depth + 1}"
        assert section.title in heading.text


def test_every_chart_has_alt_text_an_svg_and_a_data_table(soup_of: tuple[Rendered, BeautifulSoup]) -> None:
    found, soup = soup_of
    images = soup.find_all("img")
    assert len(images) == len(found.report.charts()) > 0
    for img in images:
        assert str(img.get("alt", "")).strip() and str(img.get("title", "")).strip()
        src = str(img["src"])
        assert src.startswith("data:image/svg+xml;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"<svg")
        block = img.find_parent(class_="chart-block")
        assert block is not None and block.find("table") is not None
    assert not soup.find_all("svg")  # charts are images with alt text, not inline SVG


def test_tables_have_captions_and_scoped_headers(soup_of: tuple[Rendered, BeautifulSoup]) -> None:
    _, soup = soup_of
    for table in soup.find_all("table"):
        assert table.caption is not None and table.caption.text.strip()
        assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))


def test_self_contained(soup_of: tuple[Rendered, BeautifulSoup]) -> None:
    _, soup = soup_of
    for tag in soup.find_all(["img", "script", "link", "iframe"]):
        for attr in ("src", "href"):
            value = str(tag.get(attr) or "")
            assert not value or value.startswith("data:"), value
    assert not soup.find_all("script")
