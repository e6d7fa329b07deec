# SPDX-License-Identifier: EUPL-1.2
"""The CLI as a user runs it: Dutch output, --json, one-line errors with exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("env")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, loaded_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", loaded_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)


def test_status_shows_the_programme_in_dutch() -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Meerjarenprogramma Veiligheid Maastricht 2023-2026" in out
    assert "31 januari 2023" in out and "artikel 38b" in out
    assert "'31 stemmen voor'" in out  # the published contradiction is surfaced
    for theme in ("Ondermijnende criminaliteit", "Gedigitaliseerde criminaliteit"):
        assert theme in out
    assert "2019: 3,3 [3,0 – 3,7]" in out  # HIC, Dutch decimal commas
    assert "2 gelijk, 1 afwijkend" in out
    # registered crime 2020 -> 2024: within the series' variation once φ is used (was "gestegen")
    assert "+10,1: geen significante verandering" in out
    assert "niet berekenbaar: geen brongegevens" in out
    assert "12,8* (2021)" in out  # a published baseline is marked, not passed off as computed


def test_status_json() -> None:
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    by_id = {i["id"]: i for i in data["indicators"]}
    assert data["baseline_year"] == 2021
    assert by_id["schaalscore-hic"]["computed"]["year"] == 2019
    assert by_id["halt-verwijzingen"]["published_unit"] == "per 1.000 jongeren 12-17 jaar"


def test_status_runs_init_by_itself_on_first_use(monkeypatch: pytest.MonkeyPatch, empty_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", empty_url)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "Eerste gebruik" in result.output
    again = runner.invoke(app, ["status"])
    assert "Eerste gebruik" not in again.output


def test_indicator_series_with_intervals() -> None:
    result = runner.invoke(app, ["indicator", "schaalscore-vermogensdelicten"])
    assert result.exit_code == 0, result.output
    assert "3.511" in result.output and "122.753" in result.output  # 2017 numerator, population
    assert "verschil groter dan afronding" in result.output  # 2018: 22,3 vs 22,1
    data = json.loads(
        runner.invoke(app, ["indicator", "misdrijven-totaal", "--area", "bu09350000", "--json"]).stdout
    )
    [value] = data["values"]
    assert value["period"] == "2023" and value["approximate"] is False  # population of 1 January 2023
    assert value["ci_low"] < value["value"] < value["ci_high"]


def test_areas_listing() -> None:
    result = runner.invoke(app, ["areas", "--level", "wijk"])
    assert result.exit_code == 0
    assert "WK093506" in result.output and "7 gebieden." in result.output
    data = json.loads(runner.invoke(app, ["areas", "--json"]).stdout)
    assert len(data) == 59
    assert {row["level"] for row in data} == {"gemeente", "stadsdeel", "wijk", "buurt"}


def test_export_indicators(tmp_path: Path) -> None:
    target = tmp_path / "out" / "indicatoren.csv"
    result = runner.invoke(app, ["export", "indicators", "--output", str(target)])
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {
        "indicator_id",
        "area_code",
        "period",
        "value",
        "numerator",
        "denominator",
        "unit",
        "ci_low",
        "ci_high",
        "published_value",
    } <= set(rows[0])
    hic = next(
        r
        for r in rows
        if r["indicator_id"] == "schaalscore-hic" and r["period"] == "2017" and r["area_code"] == "GM0935"
    )
    assert hic["published_value"] == "3.7" and hic["numerator"] == "463.0"


def test_validate_builtin_and_json() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert "0 fout(en), 2 waarschuwing(en)" in result.output
    data = json.loads(runner.invoke(app, ["validate", "--json"]).stdout)
    assert data["valid"] is True
    assert {p["code"] for p in data["problems"]} == {"vote-count-total", "unit-mismatch"}


def test_validate_a_broken_programme(tmp_path: Path) -> None:
    broken = tmp_path / "kapot.yaml"
    broken.write_text(
        "id: test\ntitle: Test\nmunicipality: GM0999\nmunicipality_name: Test\n"
        "period_start: 2023\nperiod_end: 2026\nbaseline_year: 2022\nlegal_basis: x\n"
        "themes: [{id: a, name: Thema A, kind: speerpunt}]\n"
        "indicators: [{id: bestaat-niet, theme: b}]\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 1
    assert "kapot.yaml: indicators[0].id" in result.output
    assert "kapot.yaml: indicators[0].theme" in result.output
    assert "oplossing" in result.output


def test_errors_are_one_dutch_line_with_exit_code() -> None:
    result = runner.invoke(app, ["indicator", "bestaat-niet"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Fout: Onbekende indicator 'bestaat-niet'.")
    assert "Traceback" not in result.stderr
    debug = runner.invoke(app, ["--debug", "indicator", "schaalscore-hic", "--area", "XX0000"])
    assert debug.exit_code == 1 and "Traceback" in debug.stderr and "Onbekend gebied 'XX0000'" in debug.stderr


def test_export_refuses_unknown_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "indicators", "--output", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and "Onbekend uitvoerformaat" in result.stderr


def test_init_reports_what_it_loaded(monkeypatch: pytest.MonkeyPatch, empty_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", empty_url)
    first = json.loads(runner.invoke(app, ["init", "--json"]).stdout)
    assert "politie-47013ned-gemeenten-2022-2024" in first["loaded"]
    second = runner.invoke(app, ["init"])
    assert second.exit_code == 0 and "al geladen, ongewijzigd" in second.output


def test_a_second_municipality_needs_only_a_yaml_file(monkeypatch: pytest.MonkeyPatch) -> None:
    programme = Path(__file__).parents[1] / "fixtures" / "programmes" / "voorbeeld-amsterdam.yaml"
    monkeypatch.setenv("VEILIGSTAD_PROGRAMME", str(programme))
    assert runner.invoke(app, ["validate"]).exit_code == 0
    data = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert data["municipality"] == "GM0363"
    by_id = {i["id"]: i for i in data["indicators"]}
    # registered crime per 1,000 for Amsterdam from the embedded 47013NED and 37230NED data
    assert by_id["misdrijven-totaal"]["computed"]["year"] == 2024
    assert by_id["misdrijven-totaal"]["signal"] is not None
    # the programme's own indicator (crimes per km², area from KWB 2022) is computed too
    assert by_id["misdrijven-per-vierkante-km"]["computed"]["value"] > 0
