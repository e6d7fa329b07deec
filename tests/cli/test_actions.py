# SPDX-License-Identifier: EUPL-1.2
"""`veiligstad actions list|show|import|export` and `veiligstad evaluate YEAR`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "acties-voorbeeld.yaml"
FOUTEN = ROOT / "tests" / "fixtures" / "actions" / "fouten.yaml"
OVERLAST = "overlast-veiligheidsbeleving"

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, loaded_url: str, tmp_path: Path) -> None:
    """A private copy of the loaded warehouse: these commands write."""
    target = tmp_path / "copy.duckdb"
    shutil.copy(Path(loaded_url.removeprefix("duckdb://")), target)
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", f"duckdb://{target}")
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)


def test_an_empty_programme_says_how_to_add_actions() -> None:
    result = runner.invoke(app, ["actions", "list"])
    assert result.exit_code == 0, result.output
    assert "Nog geen acties" in result.output and "veiligstad actions import" in result.output


def test_import_list_show_and_export_round_trip(tmp_path: Path) -> None:
    result = runner.invoke(app, ["actions", "import", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "Toegevoegd (3): voorbeeld-2024-buurtpreventie-app" in result.output
    listed = runner.invoke(app, ["actions", "list", "--year", "2024"])
    assert "Voorbeeld: buurtpreventie-app" in listed.output and "lopend" in listed.output
    assert "intern" in listed.output  # the ondermijning example is not public
    data = json.loads(runner.invoke(app, ["actions", "list", "--theme", OVERLAST, "--json"]).stdout)
    assert {a["id"] for a in data} == {
        "voorbeeld-2024-buurtpreventie-app",
        "voorbeeld-2024-jongerenwerk-avonden",
    }
    shown = runner.invoke(app, ["actions", "show", "voorbeeld-2024-buurtpreventie-app"])
    assert "planned_start: 2024-03-01" in shown.output and "method: voor-na" in shown.output
    output = tmp_path / "programma.yaml"
    exported = runner.invoke(app, ["actions", "export", "--output", str(output), "--year", "2024"])
    assert exported.exit_code == 0 and "3 actie(s) geschreven" in exported.output
    again = runner.invoke(app, ["actions", "import", str(output), "--json"])
    report = json.loads(again.stdout)
    assert report["added"] == report["updated"] == [] and len(report["unchanged"]) == 3


def test_a_file_with_problems_lists_them_all_and_saves_nothing() -> None:
    result = runner.invoke(app, ["actions", "import", str(FOUTEN)])
    assert result.exit_code == 1
    assert "niets geïmporteerd" in result.output
    assert "fouten.yaml: actie 1 (Actie met fouten): themes: onbekend thema 'drugs'" in result.output
    assert "onbekende gebiedscode 'BU99999999'" in result.output and "oplossing:" in result.output
    assert "Nog geen acties" in runner.invoke(app, ["actions", "list"]).output


def test_unknown_ids_and_formats_are_clear_errors(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["actions", "show", "bestaat-niet"])
    assert shown.exit_code == 1 and "Er is geen actie 'bestaat-niet'" in shown.output
    theme = runner.invoke(app, ["actions", "list", "--theme", "drugs"])
    assert theme.exit_code == 1 and "Onbekend thema 'drugs'" in theme.output
    wrong = runner.invoke(app, ["actions", "export", "--output", str(tmp_path / "x.csv")])
    assert wrong.exit_code == 1 and ".yaml" in wrong.output


def test_evaluate_prints_changes_with_labels_actions_and_saves_conclusions(tmp_path: Path) -> None:
    runner.invoke(app, ["actions", "import", str(EXAMPLE)])
    conclusions = tmp_path / "conclusies-2024.yaml"
    conclusions.write_text(
        "year: 2024\nsummary: Een fictief voorbeeldjaar.\nthemes:\n"
        f"  - theme: {OVERLAST}\n    conclusion: 'Fictief: op koers.'\n"
        "    adjustments: ['Fictief: extra avond']\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["evaluate", "2024", "--conclusions", str(conclusions)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Conclusies voor 2024 opgeslagen." in out
    assert "Evaluatie uitvoeringsprogramma 2024 — Maastricht" in out
    assert "Acties in 2024: 3 (1 gepland, 1 lopend, 1 uitgesteld)" in out
    assert "Veiligheidsgerelateerde overlast/veiligheidsbeleving" in out
    assert "Voorbeeld: buurtpreventie-app" in out and "voor-na: Fictief" in out
    assert "Conclusie: Fictief: op koers." in out and "Bijstelling: Fictief: extra avond" in out
    # The context indicator (all registered crime) has real figures: 2023 → 2024 with its label.
    # +3,9% is within the series' year-to-year variation (φ): no longer "significant gestegen"
    assert "66,4" in out and "2023: 63,9" in out and "geen significante verandering" in out
    assert "basisjaar 2021 ontbreekt; 2020 gebruikt" in out
    assert "geen waarde voor 2024; laatste waarde 2021 (gepubliceerd)" in out
    data = json.loads(runner.invoke(app, ["evaluate", "2024", "--json"]).stdout)
    assert data["summary"] == "Een fictief voorbeeldjaar." and data["status_counts"]["lopend"] == 1
    overlast = next(t for t in data["themes"] if t["id"] == OVERLAST)
    assert overlast["adjustments"] == ["Fictief: extra avond"] and len(overlast["actions"]) == 2
    total = data["context"][0]
    assert total["previous"]["signal"] == "geen significante verandering"
    assert total["previous"]["from_year"] == 2023


def test_evaluate_with_a_bad_conclusions_file_saves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "fout.yaml"
    bad.write_text("themes:\n  - theme: drugs\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "2024", "--conclusions", str(bad)])
    assert result.exit_code == 1 and "onbekend thema 'drugs'" in result.output
    assert "Nog geen conclusies voor 2024" in runner.invoke(app, ["evaluate", "2024"]).output
