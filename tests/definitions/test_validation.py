# SPDX-License-Identifier: EUPL-1.2
"""Semantic checks on the built-in and on broken or new programme files."""

from __future__ import annotations

from pathlib import Path

import pytest

from veiligstad.definitions.loader import load_catalogue, load_programme
from veiligstad.definitions.validation import WARNING, Definitions, validate
from veiligstad.errors import Problem

FIXTURES = Path(__file__).parents[1] / "fixtures" / "definitions"


def problems_of(name: str) -> list[Problem]:
    path = FIXTURES / name
    definitions = Definitions(
        load_programme(path),
        load_catalogue(),
        programme_file=path.name,
        catalogue_file="indicators.yaml",
    )
    return validate(definitions)


def test_builtin_definitions_have_only_warnings() -> None:
    problems = validate(Definitions(load_programme(), load_catalogue()))
    assert [p for p in problems if p.severity != WARNING] == []
    codes = {p.code for p in problems}
    assert {"vote-count-total", "unit-mismatch"} <= codes


def test_builtin_vote_discrepancy_is_reported() -> None:
    # The decision names 29 members and says "stemmen 29 leden", then concludes
    # "31 stemmen": recorded as published, surfaced as a warning.
    problems = validate(Definitions(load_programme(), load_catalogue()))
    (vote,) = [p for p in problems if p.code == "vote-count-total"]
    assert vote.severity == WARNING
    assert vote.location.endswith("decision.votes_for")
    assert "29" in vote.message and "31 stemmen" in vote.message
    assert not [p for p in problems if p.code == "vote-count-names"]  # 29 names = 29


def test_builtin_halt_unit_mismatch_is_reported() -> None:
    problems = validate(Definitions(load_programme(), load_catalogue()))
    (unit,) = [p for p in problems if p.code == "unit-mismatch"]
    assert unit.severity == WARNING
    assert unit.location.endswith("indicators[3].published.unit")
    assert "halt-verwijzingen" in unit.message
    assert "1.000" in unit.message and "10.000" in unit.message


@pytest.mark.parametrize(
    ("name", "code", "location", "fix"),
    [
        # An indicator id that neither the catalogue nor the programme defines.
        ("unknown-indicator.yaml", "unknown-indicator", "indicators[0].id", "local_indicators"),
        # A theme id that the programme does not list; the fix lists the valid ones.
        ("unknown-theme.yaml", "unknown-theme", "indicators[0].theme", "woninginbraak"),
        # 0.0.0 is the total of all crime; adding 1.1.1 counts burglaries twice.
        (
            "total-with-parts.yaml",
            "total-with-parts",
            "indicator 'fietsdiefstal-totaal': numerator",
            "niet allebei",
        ),
        # Police codes and CBS SCM codes in one sum.
        (
            "mixed-classification.yaml",
            "mixed-classification",
            "indicator 'fietsdiefstal-totaal': numerator",
            "fallback_numerator",
        ),
        # A rate with neither denominator nor per.
        (
            "rate-without-denominator.yaml",
            "rate-without-denominator",
            "indicator 'fietsdiefstal-totaal': denominator/per",
            "denominator: inwoners",
        ),
        # Two survey percentages added together.
        (
            "survey-two-measures.yaml",
            "survey-sum",
            "indicator 'fietsdiefstal-totaal': numerator",
            "precies één",
        ),
        # The baseline year lies after the start of the programme.
        ("baseline-after-start.yaml", "baseline-after-start", "baseline_year", "period_start"),
    ],
)
def test_semantic_problems_name_file_field_and_fix(name: str, code: str, location: str, fix: str) -> None:
    problems = problems_of(name)
    matching = [p for p in problems if p.code == code]
    assert len(matching) == 1, [p.render() for p in problems]
    (problem,) = matching
    assert problem.location == f"{name}: {location}"
    assert fix in problem.fix
    assert problem.severity == "fout"
    assert problem.render().startswith(f"{name}: ")


def test_total_with_parts_message_names_both_codes() -> None:
    (problem,) = [p for p in problems_of("total-with-parts.yaml") if p.code == "total-with-parts"]
    assert "misdrijven:0.0.0" in problem.message
    assert "misdrijven:1.1.1" in problem.message


def test_second_municipality_written_in_yaml_validates_clean() -> None:
    name = "gm0999-voorbeeldstad.yaml"
    programme = load_programme(FIXTURES / name)
    assert programme.municipality == "GM0999"
    definitions = Definitions(programme, load_catalogue(), programme_file=name)
    problems = validate(definitions)
    # Written in Dutch only: the one thing to report is every public text without English.
    assert {p.code for p in problems} == {"missing-english"}
    assert all(p.severity == WARNING for p in problems)
    assert sorted(p.location for p in problems) == [
        f"{name}: indicator 'fietsdiefstal': description",
        f"{name}: indicator 'fietsdiefstal': source",
        f"{name}: indicator 'fietsdiefstal': unit",
        f"{name}: indicators[0].published: source",
        f"{name}: indicators[0].published: unit",
        f"{name}: legal_basis",
        f"{name}: themes[0] 'woninginbraak-en-fietsdiefstal': name",
        f"{name}: title",
    ]
    local = definitions.indicator("fietsdiefstal")
    assert local is not None and local.numerator == ["misdrijven:1.2.3"]
    assert definitions.indicator("diefstallen-uit-woning") is not None


@pytest.mark.parametrize(
    ("numerator", "fallback", "code"),
    [
        # Total of the police classification with one of its parts.
        (["misdrijven:0.0.0", "misdrijven:1.2.3"], [], "total-with-parts"),
        # A group code with its own sub-code.
        (["misdrijven:1.2", "misdrijven:1.2.3"], [], "total-with-parts"),
        # CBS total T001161 with a CBS part.
        (["misdrijven-scm:T001161", "misdrijven-scm:CRI3000"], [], "total-with-parts"),
        # The same code twice.
        (["misdrijven:1.2.3", "misdrijven:1.2.3"], [], "duplicate-term"),
        # Mixed classifications in the fallback.
        (["misdrijven:0.0.0"], ["misdrijven:1.1.1", "misdrijven-scm:CRI3000"], "mixed-classification"),
    ],
)
def test_numerator_checks(numerator: list[str], fallback: list[str], code: str) -> None:
    programme = load_programme(FIXTURES / "gm0999-voorbeeldstad.yaml")
    local = programme.local_indicators[0].model_copy(
        update={"numerator": numerator, "fallback_numerator": fallback}
    )
    programme = programme.model_copy(update={"local_indicators": [local]})
    problems = validate(Definitions(programme, load_catalogue()))
    assert code in {p.code for p in problems}, [p.render() for p in problems]


@pytest.mark.parametrize(
    "numerator",
    [
        ["misdrijven:1.1.1", "misdrijven:1.4.6", "misdrijven:1.4.7"],  # siblings: fine
        ["misdrijven:1.1.1", "misdrijven:1.1.2"],  # siblings sharing a prefix: fine
        ["misdrijven:1.2.3"],  # one code
    ],
)
def test_numerator_without_overlap_is_clean(numerator: list[str]) -> None:
    programme = load_programme(FIXTURES / "gm0999-voorbeeldstad.yaml")
    local = programme.local_indicators[0].model_copy(update={"numerator": numerator})
    programme = programme.model_copy(update={"local_indicators": [local]})
    found = validate(Definitions(programme, load_catalogue()))
    assert [p for p in found if p.code != "missing-english"] == []


def test_local_definition_overrides_catalogue() -> None:
    programme = load_programme(FIXTURES / "gm0999-voorbeeldstad.yaml")
    catalogue = load_catalogue()
    base = catalogue.get("diefstallen-uit-woning")
    assert base is not None
    override = base.model_copy(update={"per": 10000, "unit": "per 10.000 inwoners"})
    programme = programme.model_copy(update={"local_indicators": [*programme.local_indicators, override]})
    definitions = Definitions(programme, catalogue)
    merged = definitions.indicator("diefstallen-uit-woning")
    assert merged is not None and merged.per == 10000
    ids = [i.id for i in definitions.indicators()]
    assert ids.count("diefstallen-uit-woning") == 1
    # The published unit (per 1.000) now disagrees with the local definition.
    assert "unit-mismatch" in {p.code for p in validate(definitions)}
