# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad import file``: Dutch report, --json, exit codes, --valid-only, --measure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "uploads"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, loaded_url: str, tmp_path: Path) -> None:
    """A private copy of the loaded warehouse (imports write to it)."""
    source = Path(loaded_url.removeprefix("duckdb://"))
    target = tmp_path / "w.duckdb"
    shutil.copy(source, target)
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", f"duckdb://{target}")


def test_example_loads_then_is_unchanged() -> None:
    first = runner.invoke(app, ["import", "file", str(EXAMPLES / "uploads-long.csv")])
    assert first.exit_code == 0, first.output
    assert "Geladen. 8 rijen in het bestand, 8 waarden geladen" in first.output
    again = runner.invoke(app, ["import", "file", str(EXAMPLES / "uploads-long.csv")])
    assert again.exit_code == 0 and "Al geladen, niets gewijzigd" in again.output


def test_bad_file_is_refused_with_a_dutch_table_and_exit_1() -> None:
    result = runner.invoke(app, ["import", "file", str(FIXTURES / "every-problem.csv")])
    assert result.exit_code == 1
    assert "Geweigerd: er is niets geschreven" in result.output
    assert "unknown-area" in result.output and "GM9999" in result.output
    assert "--valid-only" in result.output


def test_json_lists_every_problem() -> None:
    result = runner.invoke(app, ["import", "file", str(FIXTURES / "every-problem.csv"), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["outcome"] == "geweigerd" and len(data["problems"]) == 12
    assert set(data["problems"][0]) == {"code", "row", "column", "value", "message", "fix", "severity"}


def test_valid_only_loads_the_good_rows() -> None:
    result = runner.invoke(
        app, ["import", "file", str(FIXTURES / "every-problem.csv"), "--valid-only", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["outcome"], data["rows_loaded"], data["rows_rejected"]) == ("geladen", 1, 12)


def test_more_than_50_problems_are_capped(tmp_path: Path) -> None:
    bad = tmp_path / "veel.csv"
    bad.write_text(
        "area_code;period;measure;value\n" + "".join(f"XX{i};2024;inwoners;1\n" for i in range(80))
    )
    result = runner.invoke(app, ["import", "file", str(bad)])
    assert result.exit_code == 1
    assert "en 30 meer" in result.output


def test_wsjg_with_measure_option(tmp_path: Path) -> None:
    wide = tmp_path / "wsjg-halt.csv"
    wide.write_text("Gebied;Gebiedscode;2019;2020\nMaastricht;GM0935;105;88\n", encoding="utf-8")
    refused = runner.invoke(app, ["import", "file", str(wide), "--json"])
    assert refused.exit_code == 1 and json.loads(refused.stdout)["problems"][0]["code"] == "missing-measure"
    result = runner.invoke(app, ["import", "file", str(wide), "--measure", "halt:verwijzingen", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows_loaded"] == 2


def test_missing_file_is_one_dutch_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "file", str(tmp_path / "nergens.csv")])
    assert result.exit_code == 1
    assert "Fout: Kan" in result.output
