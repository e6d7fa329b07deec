# SPDX-License-Identifier: EUPL-1.2
"""Actions, year evaluations and audit entries: strict fields, derived ids, clean lists."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from veiligstad.domain.actions import (
    Action,
    ActionStatus,
    AuditEntry,
    Change,
    Entity,
    EvaluationMethod,
    ThemeConclusion,
    YearEvaluation,
    action_id,
)
from veiligstad.domain.documents import Confidentiality


def test_an_action_gets_an_id_from_year_and_title_and_sensible_defaults() -> None:
    action = Action(year=2024, title="Cameratoezicht Markt", themes=["ondermijnende-criminaliteit"])
    assert action.id == "2024-cameratoezicht-markt" == action_id(2024, "Cameratoezicht Markt")
    assert action.status is ActionStatus.GEPLAND
    assert action.confidentiality is Confidentiality.OPENBAAR and action.is_public
    assert action.evaluation is None and action.latest_progress is None


def test_lists_are_stripped_deduplicated_and_area_codes_upper_case() -> None:
    action = Action(
        year=2024,
        title="Actie",
        themes=[" a ", "a", "b"],
        partners=["Politie", " Politie", ""],
        areas=["bu09350000", "BU09350000"],
    )
    assert action.themes == ["a", "b"] and action.partners == ["Politie"] and action.areas == ["BU09350000"]


def test_choices_and_dates_are_read_from_text() -> None:
    action = Action.model_validate(
        {
            "year": 2024,
            "title": "Actie",
            "themes": ["a"],
            "status": "afgerond",
            "planned_start": "2024-01-01",
            "progress": [
                {"date": "2024-03-01", "text": "eerste stap"},
                {"date": "2024-06-01", "text": "klaar"},
            ],
            "evaluation": {"method": "vergelijkingsgebied", "conclusion": "werkt"},
        }
    )
    assert action.status is ActionStatus.AFGEROND and action.planned_start == dt.date(2024, 1, 1)
    assert action.evaluation is not None and action.evaluation.method is EvaluationMethod.VERGELIJKINGSGEBIED
    assert action.latest_progress is not None and action.latest_progress.text == "klaar"


@pytest.mark.parametrize(
    ("data", "field", "kind"),
    [
        ({"year": "2024"}, "year", "int_type"),  # a quoted year is not silently converted
        ({"title": 2024}, "title", "string_type"),  # nor a number as a title
        ({"themes": []}, "themes", "too_short"),  # every action belongs to a theme
        ({"themes": "a"}, "themes", "list_type"),
        ({"status": "bezig"}, "status", "enum"),
        ({"id": "Met Spaties"}, "id", "string_pattern_mismatch"),
        ({"budget": 5}, "budget", "extra_forbidden"),
        ({"planned_start": "2024-02-30"}, "planned_start", "date_from_datetime_parsing"),
    ],
)
def test_invalid_fields_are_refused(data: dict[str, object], field: str, kind: str) -> None:
    base: dict[str, object] = {"year": 2024, "title": "Actie", "themes": ["a"]}
    with pytest.raises(ValidationError) as caught:
        Action.model_validate({**base, **data})
    errors = {(str(e["loc"][0]), e["type"]) for e in caught.value.errors()}
    assert (field, kind) in errors


def test_the_end_lies_after_the_start() -> None:
    with pytest.raises(ValidationError, match="ligt vóór planned_start"):
        Action(
            year=2024,
            title="Actie",
            themes=["a"],
            planned_start=dt.date(2024, 6, 1),
            planned_end=dt.date(2024, 1, 1),
        )


def test_a_year_evaluation_names_each_theme_once() -> None:
    evaluation = YearEvaluation(
        year=2024, themes=[ThemeConclusion(theme="a", conclusion="goed", adjustments=["meer", " meer", ""])]
    )
    found = evaluation.conclusion("a")
    assert found is not None and found.adjustments == ["meer"] and not found.is_empty
    assert evaluation.conclusion("b") is None
    assert ThemeConclusion(theme="b").is_empty
    with pytest.raises(ValidationError, match="meer dan eens"):
        YearEvaluation(year=2024, themes=[ThemeConclusion(theme="a"), ThemeConclusion(theme="a")])


def test_an_audit_entry_names_the_fields_that_changed() -> None:
    at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    update = AuditEntry(
        at, "analist", Entity.ACTION, "x", Change.UPDATE, {"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}
    )
    assert update.changed_fields() == ["b", "c"]
    created = AuditEntry(at, "analist", Entity.ACTION, "x", Change.CREATE, None, {"a": 1})
    assert created.changed_fields() == []
