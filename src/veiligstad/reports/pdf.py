# SPDX-License-Identifier: EUPL-1.2
"""A report as a print-quality PDF: the HTML version laid out on A4 by WeasyPrint.

The PDF is tagged for accessibility (PDF/UA-1: headings, tables, figures with their alt
text, the document language and title), carries the report's title, author, keywords and
creation date as metadata, and embeds the charts as vector graphics (SVG).
"""

from __future__ import annotations

from veiligstad.reports import html
from veiligstad.reports.model import Report

#: Tagged, accessible PDF (WeasyPrint supports PDF/UA-1 since version 57).
PDF_VARIANT = "pdf/ua-1"


def render(report: Report, document: str | None = None) -> bytes:
    """The report as PDF bytes; ``document`` is its HTML when already rendered."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # loaded on use: it takes a moment

    text = document if document is not None else html.render(report)
    pdf: bytes = HTML(string=text).write_pdf(pdf_variant=PDF_VARIANT)
    return pdf
