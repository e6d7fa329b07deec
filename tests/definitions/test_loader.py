# SPDX-License-Identifier: EUPL-1.2
"""Reading definition files: every structural problem names file, field and a fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from veiligstad.definitions.loader import (
    builtin_catalogue_path,
    builtin_programme_path,
    field_path,
    load_catalogue,
    load_programme,
)
from veiligstad.domain.programme import NO_MEASUREMENT
from veiligstad.errors import DefinitionError, Problem

FIXTURES = Path(__file__).parents[1] / "fixtures" / "definitions"


def load_problems(name: str, loader: Callable[[Path], object] = load_programme) -> list[Problem]:
    with pytest.raises(DefinitionError) as info:
        loader(FIXTURES / name)
    assert info.value.problems, "a DefinitionError carries its problems"
    return list(info.value.problems)


@pytest.mark.parametrize(
    ("loc", "text"),
    [
        (("indicators", 3, "published", "unit"), "indicators[3].published.unit"),  # nested
        (("indicators", 0, "id"), "indicators[0].id"),  # list item
        (("legal_basis",), "legal_basis"),  # top level
        (("themes", 0, "kleur"), "themes[0].kleur"),  # extra field
        ((), ""),  # whole file
    ],
)
def test_field_path(loc: tuple[int | str, ...], text: str) -> None:
    assert field_path(loc) == text


def test_builtin_files_exist_and_load() -> None:
    assert builtin_catalogue_path().is_file()
    assert builtin_programme_path().is_file()
    catalogue = load_catalogue()
    programme = load_programme()
    assert programme.municipality == "GM0935"
    assert (programme.period_start, programme.period_end, programme.baseline_year) == (
        2023,
        2026,
        2021,
    )
    assert len(programme.themes) == 6
    assert catalogue.get("misdrijven-totaal") is not None
    assert catalogue.get("bestaat-niet") is None
    # "GM" (geen meting) stays a marker, never becomes 0.
    survey = next(i for i in programme.indicators if i.id == "onveilig-gevoel-buurt")
    assert survey.published is not None
    assert survey.published.values[2018] == NO_MEASUREMENT
    assert survey.published.values[2017] == pytest.approx(24.2)


@pytest.mark.parametrize(
    ("name", "code", "location", "fix"),
    [
        # A required top-level field is absent.
        ("missing-field.yaml", "missing", "legal_basis", "voeg dit veld toe"),
        # A field the schema does not know (typo or invention) inside a theme.
        ("extra-field.yaml", "extra_forbidden", "themes[0].kleur", "verwijder dit veld"),
        # Lower-case 'gm' is neither a number nor the GM marker.
        ("published-gm.yaml", None, "indicators[0].published.values[2023]", "GM"),
    ],
)
def test_structural_problems_name_file_field_and_fix(
    name: str, code: str | None, location: str, fix: str
) -> None:
    problems = load_problems(name)
    matching = [p for p in problems if location in p.location]
    assert matching, [p.render() for p in problems]
    assert all(p.location.startswith(f"{name}: ") for p in problems)
    assert any(fix in p.fix for p in matching), [p.render() for p in matching]
    if code is not None:
        assert any(p.code == code for p in matching)
    assert all(p.severity == "fout" for p in problems)
    assert "oplossing" in matching[0].render()


def test_published_value_problem_does_not_ask_for_an_integer() -> None:
    # Published values are decimals (24.2) or GM; telling the user to "vul een geheel
    # getal in" for such a cell is wrong advice.
    problems = load_problems("published-gm.yaml")
    cell = [p for p in problems if "values[2023]" in p.location]
    assert cell
    assert not any("geheel getal" in p.fix for p in cell), [p.render() for p in cell]


def test_bad_yaml_syntax_names_file_and_line() -> None:
    (problem,) = load_problems("bad-syntax.yaml")
    assert problem.code == "yaml-syntax"
    assert problem.location.startswith("bad-syntax.yaml: regel ")
    line = int(problem.location.rsplit(" ", 1)[1])
    assert 15 <= line <= 20  # the unclosed '[' is near the end of the 17-line file
    assert "YAML" in problem.fix


def test_non_mapping_file_names_file_and_fix() -> None:
    (problem,) = load_problems("not-a-mapping.yaml")
    assert problem.code == "not-a-mapping"
    assert "not-a-mapping.yaml" in problem.location
    assert "mapping" in problem.message
    assert problem.fix, "every problem says how to fix it"


def test_catalogue_bad_id_names_the_field() -> None:
    problems = load_problems("catalogue-bad-id.yaml", loader=load_catalogue)
    (problem,) = [p for p in problems if p.location == "catalogue-bad-id.yaml: indicators[0].id"]
    assert problem.code == "string_pattern_mismatch"
    assert "kleine letters" in problem.fix


def test_missing_file_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as info:
        load_programme(tmp_path / "bestaat-niet.yaml")
    (problem,) = info.value.problems
    assert problem.code == "file-not-found"
    assert "bestaat-niet.yaml" in problem.location
    assert problem.fix


def test_non_utf8_file_is_a_definition_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: 'Veiligheid café'\n".encode("latin-1"))
    with pytest.raises(DefinitionError) as info:
        load_programme(path)
    assert info.value.problems[0].code == "encoding"
