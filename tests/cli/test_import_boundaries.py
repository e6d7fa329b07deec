# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad import boundaries`` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app

runner = CliRunner()
WIJKEN_RD = Path(__file__).parent.parent / "fixtures" / "boundaries" / "maastricht_wijken_2022_rd.geojson"


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, empty_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", empty_url)


def test_import_reports_changed_codes_in_dutch() -> None:
    result = runner.invoke(app, ["import", "boundaries", str(WIJKEN_RD), "--year", "2022"])
    assert result.exit_code == 0, result.output
    assert "3 bijgewerkt, 0 nieuw" in result.output
    assert "EPSG:28992 → EPSG:4326" in result.output
    assert "Gewijzigde codes" in result.output
    assert "GM0935: 4 in het warehouse maar niet in het bestand: WK093503" in result.output
    again = runner.invoke(app, ["import", "boundaries", str(WIJKEN_RD), "--year", "2022"])
    assert "al geïmporteerd" in again.output


def test_import_json() -> None:
    result = runner.invoke(app, ["import", "boundaries", str(WIJKEN_RD), "--year", "2022", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["updated"] == ["WK093500", "WK093501", "WK093502"]
    assert data["missing_in_file"]["GM0935"][0] == "WK093503"


def test_wrong_level_is_one_dutch_error_with_the_problems() -> None:
    args = ["import", "boundaries", str(WIJKEN_RD), "--year", "2022", "--level", "buurt"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "Fout:" in result.output and "niets geïmporteerd" in result.output
    assert "'WK093500' is een wijkcode, geen buurtcode" in result.output
