# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad sources`` (add, list, search, --status) and ``init --municipality``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app

runner = CliRunner()
DOCUMENTS = Path(__file__).parent.parent / "fixtures" / "documents"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, empty_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", empty_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)


def test_add_list_and_search_documents() -> None:
    added = runner.invoke(app, ["sources", "add", str(DOCUMENTS / "documenten.yaml")])
    assert added.exit_code == 0, added.output
    assert "Geregistreerd: fenomeenonderzoek-drugs-2024" in added.output
    listed = runner.invoke(app, ["sources", "--area", "WK093500"])
    assert listed.exit_code == 0, listed.output
    assert "fenomeenonderzoek-drugs-2024" in listed.output
    assert "31 maart 2024" in listed.output and "vertrouwelijk" in listed.output
    assert "Trendanalyse" not in listed.output
    data = json.loads(
        runner.invoke(app, ["sources", "--theme", "veelvoorkomende-criminaliteit-hic", "--json"]).stdout
    )
    assert [d["id"] for d in data] == ["trendanalyse-woninginbraken-2023", "jaarrapport-2022"]
    assert data[0]["date"] == "2023-11-15"
    none = runner.invoke(app, ["sources", "--search", "bestaat-niet"])
    assert "Geen documenten gevonden" in none.output


def test_add_with_problems_exits_1_with_every_problem() -> None:
    result = runner.invoke(app, ["sources", "add", str(DOCUMENTS / "fouten.yaml")])
    assert result.exit_code == 1
    assert "Fout: fouten.yaml:" in result.output and "niets geregistreerd" in result.output
    assert "onbekend thema 'drugs'" in result.output and "onbekende gebiedscode 'BU99999999'" in result.output


def test_unknown_theme_in_a_query() -> None:
    result = runner.invoke(app, ["sources", "--theme", "drugs"])
    assert result.exit_code == 1 and "Onbekend thema 'drugs'" in result.output


def test_status_shows_newest_period_and_warnings() -> None:
    result = runner.invoke(app, ["sources", "--status"])
    assert result.exit_code == 0, result.output
    assert "Actualiteit per bron" in result.output
    assert "politie-47013ned-gemeenten-2022-2024" in result.output
    assert "momentopname" in result.output
    assert "Waarschuwing: maastricht-veiligheidsmonitor-2014-2019" in result.output
    data = json.loads(runner.invoke(app, ["sources", "--status", "--json"]).stdout)
    by_id = {row["source_id"]: row for row in data}
    assert by_id["politie-47013ned-gemeenten-2022-2024"]["newest_period"] == "2024"
    assert by_id["maastricht-veiligheidsmonitor-2014-2019"]["outdated"] is True


def test_init_municipality_writes_a_starter_programme(tmp_path: Path) -> None:
    target = tmp_path / "programma.yaml"
    result = runner.invoke(app, ["init", "--municipality", "gm0363", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "Startprogramma voor Amsterdam (GM0363)" in result.output
    assert "veiligstad import cbs 47018NED --municipality GM0363" in result.output
    assert "misdrijven-totaal" in result.output
    assert target.exists()
    valid = runner.invoke(app, ["validate", str(target)])
    assert valid.exit_code == 0, valid.output
    again = runner.invoke(app, ["init", "--municipality", "GM0363", "--output", str(target)])
    assert again.exit_code == 1 and "bestaat al" in again.output and "--force" in again.output
    forced = runner.invoke(
        app, ["init", "--municipality", "GM0363", "--output", str(target), "--force", "--json"]
    )
    assert forced.exit_code == 0
    assert json.loads(forced.stdout)["municipality"]["name"] == "Amsterdam"


def test_init_unknown_municipality(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--municipality", "GM9998", "--output", str(tmp_path / "x.yaml")])
    assert result.exit_code == 1
    assert "Onbekende gemeente 'GM9998'" in result.output
