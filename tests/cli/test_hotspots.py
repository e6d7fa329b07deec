# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad hotspots``: table, CSV and JSON on the real Maastricht buurten."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app

runner = CliRunner()
BASE = ["hotspots", "misdrijven-totaal", "--period", "2023", "--level", "buurt", "--permutations", "99"]


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, loaded_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", loaded_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)


def test_csv_columns_on_stdout() -> None:
    result = runner.invoke(app, [*BASE, "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert len(frame) == 44
    assert {"area_code", "value", "z", "p", "p_fdr", "category", "lisa_quadrant", "flags"} <= set(
        frame.columns
    )
    assert list(frame.columns[:3]) == ["area_code", "area_name", "value"]


def test_csv_and_json_files(tmp_path: Path) -> None:
    target = tmp_path / "uit" / "hotspots.csv"
    result = runner.invoke(app, [*BASE, "--format", "csv", "--output", str(target), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "44 gebieden geschreven" in result.output
    assert len(pd.read_csv(target)) == 44
    target_json = tmp_path / "hotspots.json"
    result = runner.invoke(app, [*BASE, "--format", "json", "--output", str(target_json), "--seed", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(target_json.read_text(encoding="utf-8"))
    assert data["smoothing"] == "empirical Bayes" and data["seed"] == 3 and data["permutations"] == 99
    assert len(data["areas"]) == 44
    by_code = {row["area_code"]: row for row in data["areas"]}
    csv = pd.read_csv(target).set_index("area_code")
    assert by_code["BU09350000"]["category"] == csv.loc["BU09350000", "category"]


def test_json_stdout() -> None:
    result = runner.invoke(app, [*BASE, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["level"] == "buurt" and data["municipality"] == "GM0935"
    assert "buurteffect" in data["explanation"]
    assert sum(data["counts"].values()) == 44
    assert all(row["p"] == round(row["p"], 2) for row in data["areas"])  # k/100 with 99 permutations


def test_table_is_dutch_and_explains() -> None:
    result = runner.invoke(app, BASE)
    assert result.exit_code == 0, result.output
    assert "Beatrixhaven" in result.output
    assert "4.600,0" in result.output  # Dutch number: thousands dot, decimal comma
    assert "buurteffect" in result.output
    assert "Smoothing: empirical Bayes" in result.output
    assert "weinig inwoners (< 200)" in result.output
    assert "44 gebieden geanalyseerd" in result.output


def test_unknown_period_is_one_dutch_line() -> None:
    result = runner.invoke(app, ["hotspots", "misdrijven-totaal", "--period", "1990"])
    assert result.exit_code == 1
    assert "Fout: Geen waarden van 'misdrijven-totaal' voor periode 1990" in result.output
    assert "Beschikbare perioden: 2023" in result.output
