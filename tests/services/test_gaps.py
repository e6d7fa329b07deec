# SPDX-License-Identifier: EUPL-1.2
"""Gaps that say what to do: a missing figure names the command or the template that fills it.

Runs on the real programme, catalogue and table definitions, and on the embedded data."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app
from veiligstad.definitions.validation import Definitions
from veiligstad.services import gaps, monitor


def test_remedies_follow_the_table_definitions(definitions: Definitions) -> None:
    fixes = gaps.remedies(definitions)
    assert set(fixes) == {item.id for item in definitions.programme.indicators}
    shop = fixes["winkeldiefstallen"]
    assert shop.fetchable and "47018NED" in shop.tables  # police registrations per buurt
    assert "veiligstad update" in shop.advice() and "veiligstad template winkeldiefstallen" in shop.advice()
    halt = fixes["halt-verwijzingen"]  # Bureau Halt publishes no open table
    assert not halt.fetchable and "halt:verwijzingen" in halt.unsourced
    assert (
        "veiligstad update" not in halt.advice() and "veiligstad template halt-verwijzingen" in halt.advice()
    )
    survey = fixes["onveilig-gevoel-buurt"]
    assert survey.tables == ("85146NED",)  # the Veiligheidsmonitor


def test_status_rows_with_a_gap_carry_their_remedy(values: pd.DataFrame, definitions: Definitions) -> None:
    rows = {r.indicator.id: r for r in monitor.status(values, definitions)}
    halt = rows["halt-verwijzingen"]
    assert halt.has_gap and halt.remedy is not None and not halt.remedy.fetchable
    shop = rows["winkeldiefstallen"]
    assert shop.latest_year == definitions.programme.baseline_year  # 2021: nothing newer loaded
    assert shop.has_gap and shop.remedy is not None
    assert shop.remedy.public() == "Nieuwere cijfers zijn gepubliceerd, maar staan nog niet in deze monitor."
    crime = rows["misdrijven-totaal"]
    assert not crime.has_gap  # 47013NED reaches 2024


@pytest.mark.usefixtures("loaded_env")
def test_status_says_how_to_fill_each_gap() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["status"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Ontbrekende cijfers aanvullen" in result.output
    assert "veiligstad template halt-verwijzingen" in result.output
    data = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    remedies = {i["id"]: i["remedy"] for i in data["indicators"]}
    assert remedies["misdrijven-totaal"] is None
    assert "veiligstad update" in remedies["winkeldiefstallen"]


@pytest.fixture
def loaded_env(monkeypatch: pytest.MonkeyPatch, loaded_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", loaded_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)


def test_a_level_the_source_does_not_publish_says_so(definitions: Definitions) -> None:
    fixes = gaps.remedies(definitions)
    violence = fixes["geweldsmisdrijven"]  # CBS 83648NED: per gemeente only, also after 2017
    assert "83648NED" in violence.tables and violence.fetchable
    assert violence.levels == ("gemeente",)
    assert violence.advice_at("gemeente") == violence.advice()
    for level in ("stadsdeel", "wijk", "buurt"):
        text = violence.advice_at(level)
        assert text.startswith(f"De bron publiceert dit niet per {level} (83648NED: alleen per gemeente)")
        assert "veiligstad update" not in text and "veiligstad template geweldsmisdrijven" in text
        assert violence.public_at(level) == f"De bron publiceert dit niet per {level}."
    shop = fixes["winkeldiefstallen"]  # 47018NED has buurt figures: not loaded, update fetches them
    assert shop.levels == ("gemeente", "stadsdeel", "wijk", "buurt")
    assert shop.advice_at("buurt") == shop.advice()
    halt = fixes["halt-verwijzingen"]  # no open table: the template, at any level
    assert halt.advice_at("buurt") == halt.advice()
