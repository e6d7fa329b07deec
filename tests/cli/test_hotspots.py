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
    assert len(frame) == 44  # every buurt, the non-residential ones with the reason
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
    assert data["measure"] == "rate" and len(data["left_out"]) == 5 and data["fdr_applied"] is True
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
    assert data["counts"]["niet geanalyseerd"] == 5
    # two-sided: 2·(k + 1)/100 with 99 permutations
    assert all(row["p"] is None or row["p"] == round(row["p"], 2) for row in data["areas"])


def test_table_is_dutch_and_explains() -> None:
    result = runner.invoke(app, BASE)
    assert result.exit_code == 0, result.output
    assert "Beatrixhaven" in result.output
    assert "3.450,0" in result.output  # Dutch number: thousands dot, decimal comma
    assert "buurteffect" in result.output
    assert "Smoothing: empirical Bayes" in result.output
    assert "weinig inwoners (< 200)" in result.output
    assert "39 gebieden geanalyseerd" in result.output
    assert "Maat: cijfer per inwoners (rate)." in result.output
    assert "Weggelaten: Beatrixhaven (BU09350500): niet-woongebied: minder dan 100 inwoners" in result.output
    assert "p is tweezijdig" in result.output and "Benjamini–Hochberg" in result.output
    assert "geen onafhankelijke bevestiging" in result.output  # LISA is not a second opinion


def test_counts_and_the_raw_list() -> None:
    result = runner.invoke(app, [*BASE, "--measure", "count", "--no-fdr", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["measure"] == "count" and data["left_out"] == [] and len(data["areas"]) == 44
    assert data["fdr_applied"] is False and data["fdr"].startswith("geen correctie")
    assert sum(n for label, n in data["counts"].items() if label != "niet geanalyseerd") == 44


def test_too_few_areas_is_a_dutch_refusal_with_a_non_zero_exit() -> None:
    result = runner.invoke(app, ["hotspots", "misdrijven-totaal", "--period", "2023", "--level", "wijk"])
    assert result.exit_code == 1
    assert (
        "Fout: Te weinig gebieden: 7 gebieden, voor Gi* en LISA zijn er minstens 30 nodig." in result.output
    )


def test_unknown_period_is_one_dutch_line() -> None:
    result = runner.invoke(app, ["hotspots", "misdrijven-totaal", "--period", "1990"])
    assert result.exit_code == 1
    assert "Fout: Geen waarden van 'misdrijven-totaal' voor periode 1990" in result.output
    assert "Beschikbare perioden: 2023" in result.output
