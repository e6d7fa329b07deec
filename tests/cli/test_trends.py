# SPDX-License-Identifier: EUPL-1.2
"""`veiligstad trends`: Dutch output with Dutch numbers, --json, --feeling, CompStat."""

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


def test_registered_crime_maastricht() -> None:
    result = runner.invoke(app, ["trends", "misdrijven-totaal"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Geregistreerde misdrijven — Maastricht (GM0935, gemeente)" in out
    assert "124,2" in out and "[122,2 – 126,2]" in out  # 2010, Dutch decimal commas
    assert "+2,5 (+3,9%)" in out and "0,800" in out  # 2023 -> 2024 with its p-value (was 0,014 at φ = 1)
    assert "significant gestegen" not in out and "geen significante verandering" in out
    assert "Extra spreiding van deze reeks: φ = " in out and "eigen reeks 2010–2024" in out
    assert "Trend 2010-2024 (14 meetpunten): significant gedaald" in out
    assert "τ = −0,80, p < 0,001" in out and "Sen-helling −5,44 per 1.000 inwoners per jaar" in out
    assert "CompStat" not in out  # no monthly figures
    assert (
        "Vergeleken met de rest van Nederland (2024): 66,4 tegen 44,7 per 1.000 inwoners — geen significant "
        "verschil" in out
    )
    assert "trechtergrens met overdispersie (Spiegelhalter 2005" in out


def test_wijk_against_the_rest_of_the_gemeente() -> None:
    result = runner.invoke(app, ["trends", "misdrijven-totaal", "--area", "WK093500", "--json"])
    assert result.exit_code == 0, result.output
    versus = json.loads(result.stdout)["versus_parent"]
    assert versus["parent"] == "GM0935" and versus["period"] == "2023"
    assert versus["signal"] == "significant gestegen"  # higher than the rest of Maastricht
    assert versus["method"].startswith("trechtergrens") and versus["tau2"] > 0  # funnel over 7 wijken
    assert "7 wijken in GM0935" in versus["phi_source"]
    assert versus["rest_of_parent_value"] < versus["parent_value"] < versus["value"]


def test_hic_json() -> None:
    result = runner.invoke(app, ["trends", "schaalscore-hic", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [v["period"] for v in data["values"] if v["value"] is not None] == [
        str(y) for y in range(2014, 2020)
    ]
    assert data["trend"]["n"] == 6 and data["trend"]["signal"] == "significant gedaald"
    assert data["trend"]["slope_unit"] == "per 1.000 inwoners per jaar"
    assert data["changes"][0]["from"] == "2014" and data["changes"][0]["signal"]
    assert data["compstat"] is None and "feeling" not in data
    assert data["baseline"] is None  # 2014-2019 only: nothing after the baseline year


def test_too_few_points() -> None:
    result = runner.invoke(app, ["trends", "onveilig-gevoel-buurt", "--area", "BU09350201"])
    assert result.exit_code == 0, result.output
    assert "Trend: te weinig gegevens (2 meetpunten; minstens 5 nodig)." in result.output
    assert "te weinig gegevens (marges onbekend)" in result.output


def test_feeling_next_to_crime() -> None:
    result = runner.invoke(app, ["trends", "misdrijven-totaal", "--feeling"])
    assert result.exit_code == 0, result.output
    assert "Geregistreerde criminaliteit en veiligheidsgevoel" in result.output
    assert "Rapportcijfer veiligheid in de buurt: 7,0" in result.output
    data = json.loads(runner.invoke(app, ["trends", "misdrijven-totaal", "--feeling", "--json"]).stdout)
    marked = [(f["from"], f["to"]) for f in data["feeling"] if f["diverges"]]
    assert ("2016", "2017") not in marked  # −6,9% is within the series' variation (φ): not a divergence


def test_compstat_blocks(monkeypatch: pytest.MonkeyPatch, monthly_url: str) -> None:  # noqa: F811
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", monthly_url)
    result = runner.invoke(app, ["trends", "misdrijven-totaal"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Laatste volledige maand: januari 2025." in out
    assert (
        "Voorlopig (onvolledig door registratievertraging, niet getoetst): februari 2025, maart 2025." in out
    )
    assert "niet per dag" in out
    assert "8.400" in out and "7.300" in out and "+15,1%" in out
    data = json.loads(runner.invoke(app, ["trends", "misdrijven-totaal", "--json"]).stdout)
    blocks = {b["kind"]: b for b in data["compstat"]["blocks"]}
    assert blocks["12-maanden"]["signal"] == "geen significante verandering"  # tested with φ of the years
    assert blocks["12-maanden"]["phi"] > 1 and "Getoetst met φ = " in out
    assert data["compstat"]["provisional_months"] == ["2025-02", "2025-03"]


def test_unknown_indicator_and_area() -> None:
    result = runner.invoke(app, ["trends", "bestaat-niet"])
    assert result.exit_code != 0 and "Onbekende indicator 'bestaat-niet'" in result.output
    result = runner.invoke(app, ["trends", "misdrijven-totaal", "--area", "XX123"])
    assert result.exit_code != 0 and "Onbekend gebied 'XX123'" in result.output
