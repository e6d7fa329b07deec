# SPDX-License-Identifier: EUPL-1.2
"""The yearly evaluation: per theme the indicators' changes with labels, the actions, the conclusions."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.actions import Action, Change, Entity, ThemeConclusion, YearEvaluation
from veiligstad.engine import disclosure
from veiligstad.engine.significance import Signal
from veiligstad.services import action_files, actions, evaluation
from veiligstad.services.actions import ActionsError
from veiligstad.storage.warehouse import Warehouse

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "acties-voorbeeld.yaml"
NOW = dt.datetime(2025, 2, 1, 9, 0, tzinfo=dt.UTC)
HIC = "veelvoorkomende-criminaliteit-hic"
OVERLAST = "overlast-veiligheidsbeleving"


@pytest.fixture
def fresh(loaded_url: str, tmp_path: Path) -> Iterator[Warehouse]:
    target = tmp_path / "copy.duckdb"
    shutil.copy(Path(loaded_url.removeprefix("duckdb://")), target)
    with Warehouse.open(f"duckdb://{target}") as warehouse:
        yield warehouse


def _theme(result: evaluation.Evaluation, theme_id: str) -> evaluation.ThemeEvaluation:
    return next(t for t in result.themes if t.theme.id == theme_id)


def _indicator(theme: evaluation.ThemeEvaluation, indicator_id: str) -> evaluation.IndicatorChange:
    return next(c for c in theme.indicators if c.indicator.id == indicator_id)


def test_computed_changes_carry_their_significance_label(
    definitions: Definitions, values: pd.DataFrame
) -> None:
    """2019 in Maastricht: police figures computed from the IVA extract, tested year on year."""
    result = evaluation.evaluate(definitions, values, [], None, 2019)
    assert [t.theme.id for t in result.themes] == [t.id for t in definitions.programme.themes]
    hic = _theme(result, HIC)
    burglary = _indicator(hic, "diefstallen-uit-woning")
    assert burglary.source == evaluation.COMPUTED and burglary.value == pytest.approx(2.94, abs=0.01)
    assert burglary.previous is not None and int(burglary.previous.before.time) == 2018
    # −15% (2018 → 2019) is within the series' own year-to-year variation (φ > 1, quasi-Poisson);
    # under Poisson (φ = 1) it was "significant gedaald"
    comparison = burglary.previous.comparison
    assert comparison.signal is Signal.NO_CHANGE and comparison.phi is not None and comparison.phi > 1
    assert burglary.verdict_previous == Signal.NO_CHANGE.value
    property_crime = _indicator(hic, "schaalscore-vermogensdelicten")
    assert property_crime.previous is not None
    assert property_crime.previous.comparison.p_value is not None
    assert property_crime.previous.comparison.method.startswith("quasi-Poisson")
    # 2019 lies before the baseline year 2021: there is no change since the baseline.
    assert burglary.baseline is None and burglary.verdict_baseline == Signal.TOO_LITTLE.value


def test_published_only_values_are_shown_but_not_tested(
    definitions: Definitions, values: pd.DataFrame
) -> None:
    result = evaluation.evaluate(definitions, values, [], None, 2021)
    violence = _indicator(_theme(result, HIC), "geweldsmisdrijven")
    assert violence.source == evaluation.PUBLISHED and violence.value == 5.0
    assert violence.previous is not None and violence.previous.before.value == 5.6
    assert violence.previous.comparison.signal is Signal.TOO_LITTLE
    feeling = _indicator(_theme(result, OVERLAST), "onveilig-gevoel-buurt")
    assert feeling.previous is not None and int(feeling.previous.before.time) == 2019  # biennial survey


def test_context_indicator_against_previous_year_and_baseline(
    definitions: Definitions, values: pd.DataFrame
) -> None:
    result = evaluation.evaluate(definitions, values, [], None, 2024)
    total = next(c for c in result.context if c.indicator.id == "misdrijven-totaal")
    assert total.value is not None and total.previous is not None and int(total.previous.before.time) == 2023
    assert total.previous.comparison.signal in set(Signal) - {Signal.TOO_LITTLE}
    assert total.baseline is not None and total.baseline_note == "basisjaar 2021 ontbreekt; 2020 gebruikt"
    assert total.notes[0] == total.baseline_note


def test_a_year_without_values_gives_the_reason(definitions: Definitions, values: pd.DataFrame) -> None:
    result = evaluation.evaluate(definitions, values, [], None, 2024)
    violence = _indicator(_theme(result, HIC), "geweldsmisdrijven")
    assert violence.value is None and violence.previous is None and violence.reason


def test_public_values_show_the_disclosure_text_not_the_figure(
    definitions: Definitions, values: pd.DataFrame
) -> None:
    kinds = {i.id: i.kind for i in definitions.indicators()}
    public = disclosure.apply(values, kinds, 5)
    small = public[public["suppressed"] & public["period"].str.fullmatch(r"\d{4}")].iloc[0]
    indicator = definitions.indicator(str(small["indicator_id"]))
    assert indicator is not None
    change = evaluation.indicator_change(public, indicator, str(small["area_code"]), int(small["year"]), 2021)
    assert change.value is None and change.disclosure == "< 5" and change.previous is None


def test_actions_of_the_year_are_listed_per_theme(definitions: Definitions, values: pd.DataFrame) -> None:
    action = Action(
        year=2024,
        title="Toezicht",
        themes=[OVERLAST, HIC],
        indicators=["misdrijven-totaal"],
        status="afgerond",
    )
    other_year = Action(year=2023, title="Vorig jaar", themes=[OVERLAST])
    result = evaluation.evaluate(definitions, values, [action, other_year], None, 2024)
    assert _theme(result, OVERLAST).actions == [action] and _theme(result, HIC).actions == [action]
    # An indicator an action names is evaluated under that action's theme too.
    assert "misdrijven-totaal" in [c.indicator.id for c in _theme(result, OVERLAST).indicators]
    assert result.actions == [action] and result.status_counts()["afgerond"] == 1
    data = result.as_dict()
    assert data["status_counts"] == {
        "gepland": 0,
        "lopend": 0,
        "afgerond": 1,
        "vervallen": 0,
        "uitgesteld": 0,
    }
    assert data["themes"][1]["actions"][0]["id"] == action.id


def test_conclusions_are_saved_with_audit_and_shown(
    fresh: Warehouse, definitions: Definitions, values: pd.DataFrame
) -> None:
    action_files.import_actions(fresh, EXAMPLE, definitions, user="analist", now=NOW)
    written = YearEvaluation(
        year=2024,
        summary="Samenvatting",
        themes=[
            ThemeConclusion(theme=OVERLAST, conclusion="Meer inzet nodig", adjustments=["Extra avond"]),
            ThemeConclusion(theme=HIC),  # empty: left out
        ],
    )
    saved = evaluation.save_conclusions(fresh, written, definitions, user="analist", now=NOW)
    assert saved is not None and saved.author == "analist" and saved.saved_at == NOW
    assert [t.theme for t in saved.themes] == [OVERLAST]
    assert evaluation.save_conclusions(fresh, written, definitions, user="analist") is None  # unchanged
    trail = actions.audit_trail(fresh, Entity.EVALUATION, "2024")
    assert len(trail) == 1 and trail[0].change is Change.CREATE and trail[0].after is not None
    result = evaluation.evaluate_year(fresh, definitions, 2024, values=values)
    overlast = _theme(result, OVERLAST)
    assert overlast.conclusion is not None and overlast.conclusion.adjustments == ["Extra avond"]
    assert {a.id for a in overlast.actions} == {
        "voorbeeld-2024-buurtpreventie-app",
        "voorbeeld-2024-jongerenwerk-avonden",
    }
    public = evaluation.evaluate_year(fresh, definitions, 2024, values=values, public_only=True)
    assert "voorbeeld-2024-weerbaarheid-ondernemers" not in {a.id for a in public.actions}
    frame = evaluation.evaluation_frame(result)
    assert {"thema", "indicator_id", "significantie_vorige", "oordeel_basis"} <= set(frame.columns)


def test_conclusions_from_yaml_are_checked(definitions: Definitions, tmp_path: Path) -> None:
    good = tmp_path / "conclusies.yaml"
    good.write_text(
        "year: 2024\nauthor: Programmamanager\nsummary: Goed jaar.\nthemes:\n"
        f"  - theme: {OVERLAST}\n    conclusion: Op koers.\n    adjustments: [Meer handhaving]\n",
        encoding="utf-8",
    )
    read = evaluation.read_conclusions(good, definitions, 2024)
    assert read.author == "Programmamanager" and read.themes[0].adjustments == ["Meer handhaving"]
    with pytest.raises(ActionsError, match="verkeerd jaar"):
        evaluation.read_conclusions(good, definitions, 2023)
    bad = tmp_path / "fout.yaml"
    bad.write_text("themes:\n  - theme: drugs\n    conclusie: x\n", encoding="utf-8")
    with pytest.raises(ActionsError) as caught:
        evaluation.read_conclusions(bad, definitions, 2024)
    assert "themes[0].conclusie: onbekend veld" in caught.value.problems[0].render()
    unknown = tmp_path / "thema.yaml"
    unknown.write_text("themes:\n  - theme: drugs\n", encoding="utf-8")
    with pytest.raises(ActionsError) as caught:
        evaluation.read_conclusions(unknown, definitions, 2024)
    assert caught.value.problems[0].code == "unknown-theme"
