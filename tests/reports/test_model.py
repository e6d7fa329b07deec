# SPDX-License-Identifier: EUPL-1.2
"""The report model: kinds by English name or Dutch slug, the outline, file names."""

from __future__ import annotations

import datetime as dt

import pytest

from veiligstad.errors import NotFound
from veiligstad.reports.model import Paragraph, Report, ReportKind, Section


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("progress", ReportKind.PROGRESS),  # command-line name
        ("voortgangsrapportage", ReportKind.PROGRESS),  # path on the website
        (" Midterm ", ReportKind.MIDTERM),  # spaces and capitals do not matter
        ("gebiedsprofiel", ReportKind.AREA),
        ("public", ReportKind.PUBLIC),
    ],
)
def test_kind_from_name_or_slug(text: str, kind: ReportKind) -> None:
    assert ReportKind.parse(text) is kind


def test_unknown_kind_names_the_choices() -> None:
    with pytest.raises(NotFound) as caught:
        ReportKind.parse("jaarverslag")
    assert caught.value.message == "Onbekende soort rapport 'jaarverslag'."
    assert (
        "progress (voortgangsrapportage)" in caught.value.hint
        and "public (publieksversie)" in caught.value.hint
    )


def test_outline_and_file_stem() -> None:
    inner = Section("b1", "Sub", (Paragraph("x"),))
    report = Report(
        kind=ReportKind.AREA,
        title="Gebiedsprofiel X",
        subtitle="",
        municipality="Gemeente X",
        programme="MJP",
        built_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
        data_until="gegevens tot en met 2024",
        newest=(),
        sections=(Section("a", "A", children=(inner,)), Section("c", "C")),
        public=True,
        year=2024,
        area_code="WK093500",
    )
    assert [(depth, s.id) for depth, s in report.outline()] == [(1, "a"), (2, "b1"), (1, "c")]
    assert report.file_stem == "gebiedsprofiel-wk093500-2024"
    assert report.charts() == []
