# SPDX-License-Identifier: EUPL-1.2
"""Reports list the actions of the uitvoeringsprogramma and the saved yearly conclusions.

A copy of the warehouse gets the fictitious example actions (``examples/acties-voorbeeld.yaml``:
two public, one internal) and conclusions for 2024.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.actions import ThemeConclusion, YearEvaluation
from veiligstad.reports import document
from veiligstad.reports.model import Bullets, Paragraph, Report, ReportKind, Table
from veiligstad.services import action_files, evaluation, reporting, snapshot
from veiligstad.storage.warehouse import Warehouse

EXAMPLES = Path(__file__).parents[2] / "examples" / "acties-voorbeeld.yaml"
INTERNAL = "Voorbeeld: weerbaarheidstraining voor ondernemers"
PUBLIC = "Voorbeeld: buurtpreventie-app in één buurt"


@pytest.fixture(scope="module")
def with_actions(loaded_url: str, definitions: Definitions, tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("actions") / "veiligstad.duckdb"
    shutil.copy(loaded_url.removeprefix("duckdb://"), target)
    url = f"duckdb://{target}"
    conclusions = YearEvaluation(
        year=2024,
        summary="Fictief: de geregistreerde criminaliteit steeg.",
        author="Voorbeeld Auteur",
        themes=[
            ThemeConclusion(
                theme="veelvoorkomende-criminaliteit-hic",
                conclusion="Fictief: inbraken blijven laag.",
                adjustments=["Fictief: app uitbreiden"],
            )
        ],
    )
    with Warehouse.open(url) as warehouse:
        action_files.import_actions(warehouse, EXAMPLES, definitions, user="test")
        evaluation.save_conclusions(warehouse, conclusions, definitions, user="test")
    return url


def inputs(url: str, definitions: Definitions, public: bool) -> reporting.Inputs:
    with Warehouse.open(url) as warehouse:
        snap = snapshot.build(warehouse, definitions, 5)
        return reporting.gather(warehouse, snap, 2024, public=public)


def texts(report: Report) -> str:
    """Every text of the report's blocks, one per line."""
    out = []
    for _, section in report.outline():
        for block in section.blocks:
            if isinstance(block, Paragraph):
                out.append(block.text)
            elif isinstance(block, Bullets):
                out += block.items
            elif isinstance(block, Table):
                out += [
                    " | ".join(c.text + (f" ({c.note})" if c.note else "") for c in row) for row in block.rows
                ]
    return "\n".join(out)


def test_progress_report_lists_actions_status_and_conclusion(
    with_actions: str, definitions: Definitions
) -> None:
    report = document.build(
        ReportKind.PROGRESS, inputs(with_actions, definitions, public=False), public_only=False
    )
    text = texts(report)
    assert "Acties in het uitvoeringsprogramma: 3 (1 gepland, 1 lopend, 1 uitgesteld)." in text
    assert f"{PUBLIC} (2024) | Veelvoorkomende criminaliteit/HIC, Veiligheidsgerelateerde" in text
    assert "lopend (30 juni 2024: Fictief: 120 deelnemers aangemeld.)" in text
    assert "Conclusie 2024: Fictief: inbraken blijven laag." in text
    assert "Bijstelling: Fictief: app uitbreiden" in text
    assert "voor-na (dezelfde plek vóór en na de actie)" in text  # the action's evaluation


def test_public_reports_leave_out_internal_actions(with_actions: str, definitions: Definitions) -> None:
    public = inputs(with_actions, definitions, public=True)
    for kind in (ReportKind.PROGRESS, ReportKind.PUBLIC):
        text = texts(document.build(kind, public))
        assert PUBLIC in text and INTERNAL not in text


def test_midterm_shows_the_saved_conclusions(with_actions: str, definitions: Definitions) -> None:
    report = document.build(ReportKind.MIDTERM, inputs(with_actions, definitions, public=True))
    conclusions = next(s for s in report.sections if s.id == "conclusies")
    assert [c.title for c in conclusions.children] == ["Evaluatie 2024"]
    text = texts(report)
    assert "Fictief: de geregistreerde criminaliteit steeg." in text
    assert "Veelvoorkomende criminaliteit/HIC: Fictief: inbraken blijven laag." in text
    assert "Auteur: Voorbeeld Auteur" in text
