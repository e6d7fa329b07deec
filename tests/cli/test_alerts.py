# SPDX-License-Identifier: EUPL-1.2
"""`veiligstad alerts [--since DATE] [--json]`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.services.test_trends import monthly_url  # noqa: F401  (fixture)
from veiligstad.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, loaded_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", loaded_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)


def test_alerts_since_in_dutch() -> None:
    result = runner.invoke(app, ["alerts", "--since", "2022-01-01"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Meldingen sinds 1 januari 2022: 2" in out
    assert "31 december 2024" in out and "jaar op jaar: 2023 → 2024" in out
    assert "63,9" in out and "66,4" in out and "+3,9%" in out and "0,014" in out
    assert "significant gestegen" in out and "ongunstig" in out


def test_alerts_json_and_nothing_new() -> None:
    data = json.loads(runner.invoke(app, ["alerts", "--since", "2022-01-01", "--json"]).stdout)
    assert data["since"] == "2022-01-01"
    assert [(a["before"], a["after"]) for a in data["alerts"]] == [("2023", "2024"), ("2020", "2022")]
    result = runner.invoke(app, ["alerts", "--since", "2025-01-01"])
    assert result.exit_code == 0 and "geen significante veranderingen" in result.output


def test_bad_date() -> None:
    result = runner.invoke(app, ["alerts", "--since", "gisteren"])
    assert result.exit_code != 0 and "Onbekende datum 'gisteren'" in result.output


def test_compstat_alerts(monkeypatch: pytest.MonkeyPatch, monthly_url: str) -> None:  # noqa: F811
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", monthly_url)
    result = runner.invoke(app, ["alerts", "--since", "2025-01-01"])
    assert result.exit_code == 0, result.output
    assert "31 januari 2025" in result.output and "CompStat: 12-maanden" in result.output
    assert "8.400" in result.output


def test_fdr_flag() -> None:
    result = runner.invoke(app, ["alerts", "--fdr"])
    assert result.exit_code == 0, result.output
    assert "q (FDR)" in result.output and "Benjamini–Hochberg" in result.output
    data = json.loads(runner.invoke(app, ["alerts", "--fdr", "--json"]).stdout)
    assert data["fdr"] is True and data["alerts"]
    assert all(a["q_value"] is not None and a["q_value"] < 0.05 for a in data["alerts"])
    plain = json.loads(runner.invoke(app, ["alerts", "--json"]).stdout)
    assert len(data["alerts"]) <= len(plain["alerts"])
