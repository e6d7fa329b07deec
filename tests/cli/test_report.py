# SPDX-License-Identifier: EUPL-1.2
"""`veiligstad report KIND [--year] [--area] --output FILE.pdf|.html`: files and Dutch errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from veiligstad.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, loaded_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", loaded_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jaarverslag", "-o", "x.pdf"], "Fout: Onbekende soort rapport 'jaarverslag'."),
        (["progress", "-o", "x.docx"], "Fout: Onbekend uitvoerformaat '.docx' voor x.docx."),
        (["progress", "-o", "rapport"], "Fout: Onbekend uitvoerformaat '(geen extensie)' voor rapport."),
        (["area", "-o", "x.pdf"], "Fout: Een gebiedsprofiel is voor één gebied: geef --area."),
        (["progress", "--area", "WK093500", "-o", "x.pdf"], "hoort bij een gebiedsprofiel"),
        (
            ["public", "--internal", "-o", "x.pdf"],
            "De publieksversie bevat altijd alleen afgeschermde cijfers",
        ),
    ],
)
def test_errors_before_any_work(args: list[str], message: str, tmp_path: Path) -> None:
    args = [str(tmp_path / a) if a.startswith(("x.", "rapport")) else a for a in args]
    result = runner.invoke(app, ["report", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert not list(tmp_path.iterdir())


def test_unknown_area_and_year(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", "area", "--area", "BU99999999", "-o", str(tmp_path / "x.pdf"), "-q"]
    )
    assert result.exit_code == 1 and "Fout: Onbekend gebied 'BU99999999'." in result.output
    result = runner.invoke(app, ["report", "progress", "--year", "2031", "-o", str(tmp_path / "x.pdf"), "-q"])
    assert result.exit_code == 1 and "Geen cijfers voor jaar 2031." in result.output
    assert "2010 tot en met 2024" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_progress_report_as_html(tmp_path: Path) -> None:
    target = tmp_path / "uit" / "voortgang.html"
    result = runner.invoke(app, ["report", "progress", "--year", "2023", "--output", str(target), "-q"])
    assert result.exit_code == 0, result.output
    assert f"Voortgangsrapportage (Voortgangsrapportage 2023) geschreven naar {target}" in result.output
    soup = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
    assert soup.h1 is not None and soup.h1.text == "Voortgangsrapportage 2023"
    assert "63,9" in soup.text  # registered crime per 1.000 inhabitants, Maastricht 2023


def test_area_profile_as_pdf(tmp_path: Path) -> None:
    target = tmp_path / "wijk.pdf"
    result = runner.invoke(app, ["report", "area", "--area", "wk093500", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "Gebiedsprofiel (Gebiedsprofiel Wijk 00 Centrum) geschreven naar" in result.output
    info = subprocess.run(["pdfinfo", str(target)], check=True, capture_output=True, text=True).stdout
    assert "Title:           Gebiedsprofiel Wijk 00 Centrum – Gemeente Maastricht" in info
    text = subprocess.run(["pdftotext", str(target), "-"], check=True, capture_output=True, text=True).stdout
    assert "Kerncijfers" in text and "159,6" in text  # Wijk 00 Centrum, misdrijven per 1.000 inwoners 2023
