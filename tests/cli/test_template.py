# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad template``: writes the file, which ``veiligstad import file`` loads once filled in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, loaded_url: str, tmp_path: Path) -> None:
    target = tmp_path / "w.duckdb"
    shutil.copy(Path(loaded_url.removeprefix("duckdb://")), target)
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", f"duckdb://{target}")


def test_csv_template_filled_in_loads_and_gives_the_indicator_its_values(tmp_path: Path) -> None:
    path = tmp_path / "sjabloon.csv"
    result = runner.invoke(
        app, ["template", "diefstallen-uit-woning", "--years", "2025", "--output", str(path), "--json"]
    )
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    # 2021: the baseline, published by the programme but without a count in the warehouse
    assert (info["rows"], info["areas"], info["level"], info["baseline_year"]) == (2, 1, "gemeente", 2021)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "area_code;area_name;period;measure;unit;value;toelichting"
    assert lines[1].startswith("GM0935;Maastricht;2021;misdrijven:1.1.1;aantal;;")
    assert lines[2].startswith("GM0935;Maastricht;2025;misdrijven:1.1.1;aantal;;")
    before = json.loads(runner.invoke(app, ["indicator", "diefstallen-uit-woning", "--json"]).stdout)
    path.write_text(
        "\n".join([lines[0], lines[1], lines[2].replace("aantal;;", "aantal;251;")]), encoding="utf-8"
    )
    loaded = runner.invoke(app, ["import", "file", str(path)])
    assert loaded.exit_code == 0 and "2 waarden geladen" in loaded.output, loaded.output
    after = json.loads(runner.invoke(app, ["indicator", "diefstallen-uit-woning", "--json"]).stdout)
    assert before != after
    assert "2025" in json.dumps(after) and "251" in json.dumps(after)


def test_xlsx_template_and_the_text_output(tmp_path: Path) -> None:
    path = tmp_path / "sjabloon.xlsx"
    result = runner.invoke(
        app, ["template", "schaalscore-hic", "--years", "2024-2025", "--level", "wijk", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "rijen in te vullen (7 gebieden) geschreven naar" in result.output
    assert "nooit als 0" in result.output
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["Invullen", "Toelichting"]
    book.close()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["bestaat-niet", "--years", "2024", "-o", "x.csv"], "Onbekende indicator 'bestaat-niet'"),
        (["schaalscore-hic", "--years", "2024", "-o", "x.pdf"], "Onbekend uitvoerformaat '.pdf'"),
        (["schaalscore-hic", "--years", "2025-2020", "-o", "x.csv"], "Ongeldig jaarbereik"),
        (["schaalscore-hic", "--years", "2024", "--level", "land", "-o", "x.csv"], "Onbekend niveau"),
        (["schaalscore-hic", "--years", "2024", "--area", "WK999999", "-o", "x.csv"], "Onbekend gebied"),
    ],
)
def test_mistakes_get_a_dutch_message(tmp_path: Path, arguments: list[str], message: str) -> None:
    arguments = [str(tmp_path / a) if a.startswith("x.") else a for a in arguments]
    result = runner.invoke(app, ["template", *arguments])
    assert result.exit_code == 1 and f"Fout: {message}" in result.output, result.output
