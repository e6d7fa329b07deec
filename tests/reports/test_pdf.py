# SPDX-License-Identifier: EUPL-1.2
"""The PDFs open (pdfinfo), are tagged A4 documents with metadata, and their extracted text
(pdftotext) has the sections, page numbers and the key figures in Dutch format."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.reports.conftest import AREA, Rendered
from veiligstad import formatting
from veiligstad.reports.model import ReportKind
from veiligstad.services import monitor
from veiligstad.services.snapshot import Snapshot


def value(snap: Snapshot, indicator: str, area: str, year: int) -> str:
    """A figure as the reports print it: Dutch, with the indicator's decimals."""
    rows = monitor.series(snap.public_values, indicator, area)
    found = float(rows[rows["period"] == str(year)]["value"].iloc[0])
    decimals = snap.definitions.indicator(indicator).decimals  # type: ignore[union-attr]
    return formatting.number(found, decimals)


def info(data: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


@pytest.mark.parametrize("kind", list(ReportKind), ids=[k.value for k in ReportKind])
def test_pdf_opens_tagged_a4_with_metadata(
    kind: ReportKind, rendered: dict[ReportKind, Rendered], tmp_path: Path
) -> None:
    found = rendered[kind]
    meta = info(found.pdf, tmp_path)
    assert meta["Title"] == f"{found.report.title} – Gemeente Maastricht"
    assert meta["Author"] == "Gemeente Maastricht"
    assert meta["Tagged"] == "yes"  # PDF/UA-1
    assert meta["Page size"].startswith("595.") and "841.89" in meta["Page size"]  # A4
    assert int(meta["Pages"]) == found.pages >= 4


@pytest.mark.parametrize("kind", list(ReportKind), ids=[k.value for k in ReportKind])
def test_title_page_contents_page_numbers_and_sources(
    kind: ReportKind, rendered: dict[ReportKind, Rendered]
) -> None:
    found = rendered[kind]
    text = found.text
    pages = text.split("\f")
    assert (
        "Gemeente Maastricht" in pages[0]
        and found.report.title in pages[0]
        and kind.label.upper() in pages[0]
    )
    assert "Meerjarenprogramma Veiligheid Maastricht 2023-2026" in pages[0]
    assert "berekend op" in pages[0] and "gegevens tot en met 2024" in pages[0]
    assert "Inhoud" in pages[1]
    for _, section in found.report.outline()[:3]:  # contents with page numbers
        assert re.search(re.escape(section.title) + r"\s*\.*\s*\d+\s*$", pages[1], re.MULTILINE), (
            section.title
        )
    assert f"Pagina 2 van {found.pages}" in pages[1] and "Bron: CBS/Politie" in pages[1]
    assert "Bron: CBS/Politie" in pages[0]
    for section in found.report.sections:  # every chapter title in the body
        assert sum(section.title in page for page in pages[2:]) >= 1, section.title


def test_progress_key_figures(rendered: dict[ReportKind, Rendered], snap: Snapshot) -> None:
    text = rendered[ReportKind.PROGRESS].text
    for wanted in (
        value(snap, "misdrijven-totaal", "GM0935", 2024),  # 66,4
        value(snap, "misdrijven-totaal", "GM0935", 2020),  # the baseline substitute
        "significante",  # "geen significante verandering" 2020 → 2024 with φ (was "significant gestegen")
        "geen streefwaarde",
        "Gepubliceerd en berekend",
        "overeenkomend",
        "Nog geen acties vastgelegd",
    ):
        assert wanted in text, wanted


def test_midterm_key_figures(rendered: dict[ReportKind, Rendered], snap: Snapshot) -> None:
    text = rendered[ReportKind.MIDTERM].text
    assert value(snap, "misdrijven-totaal", "BU09350000", 2023) in text  # Binnenstad in the hotspot table
    for wanted in (
        "Hotspots in 2023",
        "Opkomende hotspots",
        "minimaal 10 nodig",
        "Objectief en subjectief",
        "Mann–Kendall",
        "significant hoger",
        "Nog geen conclusies vastgelegd",
    ):
        assert wanted in text, wanted


def test_area_key_figures(rendered: dict[ReportKind, Rendered], snap: Snapshot) -> None:
    text = rendered[ReportKind.AREA].text
    assert "Gebiedsprofiel Mariaberg" in text and "Kerncijfers" in text and "Ligging" in text
    assert value(snap, "misdrijven-totaal", AREA, 2023) in text
    assert value(snap, "onveilig-gevoel-buurt", AREA, 2019) in text
    assert "significant lager" in text


def test_public_version_in_plain_words(rendered: dict[ReportKind, Rendered], snap: Snapshot) -> None:
    text = rendered[ReportKind.PUBLIC].text
    assert value(snap, "misdrijven-totaal", "GM0935", 2024) in text
    for wanted in (
        "Waar gaat dit over?",
        "31 januari 2023",
        "gelijk gebleven",  # 2020 → 2024 within the variation (φ); was "slechter geworden"
        "Uitleg van woorden",
        "Per 1.000 inwoners",
        "Cijfers per buurt",
    ):
        assert wanted in text, wanted
    assert "95%-interval" not in text and "Mann" not in text  # no jargon in the public version
