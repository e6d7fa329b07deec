# SPDX-License-Identifier: EUPL-1.2
"""Report fixtures: the snapshot of the embedded data and every report rendered once."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.reports import document, html, pdf
from veiligstad.reports.model import Report, ReportKind
from veiligstad.services import reporting
from veiligstad.services.snapshot import Snapshot, build
from veiligstad.storage.warehouse import Warehouse

#: The area of the area profile in the tests: buurt Mariaberg (survey figures for 2017 and 2019).
AREA = "BU09350201"


@dataclass(frozen=True)
class Rendered:
    """One report as model, HTML and PDF (and the PDF's extracted text)."""

    report: Report
    html: str
    pdf: bytes
    text: str
    pages: int


def pdf_text(data: bytes, folder: Path, name: str) -> tuple[str, int]:
    """The text (pdftotext, layout kept) and page count (pdfinfo) of a PDF."""
    path = folder / f"{name}.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return text.stdout, pages


def render(report: Report, folder: Path) -> Rendered:
    """Render a report to HTML and PDF once."""
    text = html.render(report)
    data = pdf.render(report, text)
    extracted, pages = pdf_text(data, folder, report.file_stem)
    return Rendered(report, text, data, extracted, pages)


@pytest.fixture(scope="session")
def snap(loaded_url: str, definitions: Definitions) -> Snapshot:
    """The snapshot of the embedded data (threshold 5)."""
    with Warehouse.open(loaded_url) as warehouse:
        return build(warehouse, definitions, 5)


@pytest.fixture(scope="session")
def inputs(loaded_url: str, snap: Snapshot) -> reporting.Inputs:
    """Everything a report needs, with the hotspots and the key figures (2024)."""
    with Warehouse.open(loaded_url) as warehouse:
        return reporting.gather(warehouse, snap, 2024, hotspots=True, context=True)


@pytest.fixture(scope="session")
def rendered(
    inputs: reporting.Inputs, tmp_path_factory: pytest.TempPathFactory
) -> dict[ReportKind, Rendered]:
    """The four reports of Maastricht, each rendered once to HTML and PDF."""
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for kind in ReportKind:
        report = document.build(kind, inputs, area=AREA if kind is ReportKind.AREA else None)
        out[kind] = render(report, folder)
    return out
