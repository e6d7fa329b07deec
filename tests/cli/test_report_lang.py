# SPDX-License-Identifier: EUPL-1.2
"""`veiligstad report KIND --lang en`: an English report; an unknown language is refused first."""

from __future__ import annotations

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


def test_an_unknown_language_is_refused_before_any_work(tmp_path: Path) -> None:
    target = tmp_path / "x.pdf"
    result = runner.invoke(app, ["report", "public", "--lang", "de", "-o", str(target), "-q"])
    assert result.exit_code == 1
    assert "Fout: Onbekende taal 'de' voor een rapport." in result.output
    assert "--lang en" in result.output
    assert not target.exists()


def test_public_version_in_english(tmp_path: Path) -> None:
    target = tmp_path / "public.html"
    result = runner.invoke(app, ["report", "public", "--lang", "EN", "--output", str(target), "-q"])
    assert result.exit_code == 0, result.output
    soup = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
    assert soup.html is not None and soup.html["lang"] == "en"
    assert soup.h1 is not None and soup.h1.text == "Safety in Maastricht 2024"
    words = soup.find(id="woorden")
    assert words is not None
    text = " ".join(words.get_text(" ").split())
    assert "Explanation of words" in text and "per 1,000 inhabitants" in text.lower()
    assert "inwoners" not in text and "Uitleg" not in text
