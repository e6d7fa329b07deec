# SPDX-License-Identifier: EUPL-1.2
"""`veiligstad alerts [--since DATE] [--json]`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from tests.services.test_trends import monthly_url  # noqa: F401  (fixture)
from veiligstad.cli.main import app
from veiligstad.engine.significance import Signal
from veiligstad.services import alerts as alert_service
from veiligstad.services.alerts import KIND_CHANGE, Alert

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, loaded_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", loaded_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)


def test_alerts_since_in_dutch() -> None:
    # Maastricht 2023 → 2024 (+3,9%, p = 0,014 under Poisson) and 2020 → 2022 are within the
    # year-to-year variation of the series once φ is taken into account: no alerts.
    result = runner.invoke(app, ["alerts", "--since", "2022-01-01"])
    assert result.exit_code == 0, result.output
    assert "Meldingen sinds 1 januari 2022: geen significante veranderingen." in result.output


def test_alerts_json_and_nothing_new() -> None:
    data = json.loads(runner.invoke(app, ["alerts", "--since", "2022-01-01", "--json"]).stdout)
    assert data["since"] == "2022-01-01" and data["fdr"] is True and data["alerts"] == []
    raw = json.loads(runner.invoke(app, ["alerts", "--since", "2022-01-01", "--no-fdr", "--json"]).stdout)
    assert raw["fdr"] is False and raw["alerts"] == []
    result = runner.invoke(app, ["alerts", "--since", "2025-01-01"])
    assert result.exit_code == 0 and "geen significante veranderingen" in result.output


def _alert(p: float, q: float | None) -> Alert:
    return Alert(
        KIND_CHANGE, "jaar op jaar", "misdrijven-totaal", "Geregistreerde misdrijven", "GM0935",
        "Maastricht", "2023", "2024", dt.date(2024, 12, 31), Signal.ROSE, p, 63.9, 80.0,
        "per 1.000 inwoners", 0.25, "ongunstig", q, 12 if q is not None else None,
        "quasi-Poisson-scoretoets (variantie = φ × gemiddelde)", "φ = 7,5 (gepoold: mediaan)",
    )  # fmt: skip


def test_fdr_is_the_default_and_no_fdr_gives_the_raw_list(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []

    def fake(*_: object, fdr: bool = True, **__: object) -> list[Alert]:
        calls.append(fdr)
        return [_alert(0.001, 0.012 if fdr else None)]

    monkeypatch.setattr(alert_service, "alerts", fake)
    result = runner.invoke(app, ["alerts"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "q (FDR)" in out and "0,012" in out and "Benjamini–Hochberg" in out and "ongeacht --since" in out
    assert "7,5" in out and "φ" in out and "+25,0%" in out
    raw = runner.invoke(app, ["alerts", "--no-fdr"])
    assert "q (FDR)" not in raw.output and "Niet gecorrigeerd" in raw.output
    data = json.loads(runner.invoke(app, ["alerts", "--json"]).stdout)
    assert data["fdr"] is True and data["alerts"][0]["phi"].startswith("φ = 7,5")
    assert data["alerts"][0]["family"] == 12 and data["alerts"][0]["method"].startswith("quasi-Poisson")
    assert calls == [True, False, True]


def test_bad_date() -> None:
    result = runner.invoke(app, ["alerts", "--since", "gisteren"])
    assert result.exit_code != 0 and "Onbekende datum 'gisteren'" in result.output


def test_compstat_alerts(monkeypatch: pytest.MonkeyPatch, monthly_url: str) -> None:  # noqa: F811
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", monthly_url)
    result = runner.invoke(app, ["alerts", "--since", "2025-01-01", "--no-fdr"])
    assert result.exit_code == 0, result.output
    # +15% over 12 months lies within Maastricht's year-to-year variation (φ of the yearly series)
    assert "CompStat: 12-maanden" not in result.output
