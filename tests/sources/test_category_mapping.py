# SPDX-License-Identifier: EUPL-1.2
"""Mapping source categories onto police crime-type codes (copy, total, parts)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from veiligstad.errors import DataError
from veiligstad.sources.category_mapping import (
    CategoryMapping,
    Rule,
    apply_mapping,
    load_mapping,
)
from veiligstad.sources.embedded import data_root, embedded_root, read_observations

MAPPING = CategoryMapping.model_validate(
    {
        "source": "test",
        "derived_source": "test-codes",
        "rules": [
            {"code": "misdrijven:1.1.1", "copy": "src:woning"},
            {"code": "misdrijven:1.2.3", "total": "src:fiets-totaal", "parts": ["src:fiets", "src:brommer"]},
            {"code": "misdrijven:1.4.7", "parts": ["src:overval-woning", "src:overval-bedrijf"]},
        ],
    }
)


def _rows(values: dict[tuple[str, str], float | None], status: str = "definitief") -> pd.DataFrame:
    rows = [
        {"area_code": "GM0999", "period": period, "measure": measure, "value": value, "status": status}
        for (period, measure), value in values.items()
    ]
    frame = pd.DataFrame(rows)
    frame["value"] = frame["value"].astype("float64")
    return frame


def _value(result: pd.DataFrame, code: str, period: str) -> float:
    rows = result[(result.measure == code) & (result.period == period)]
    assert len(rows) == 1
    return float(rows.value.iloc[0])


def _source(
    period: str, overrides: dict[str, float | None] | None = None
) -> dict[tuple[str, str], float | None]:
    """Consistent source figures for one period: fiets 25 + brommer 5 = total 30."""
    base: dict[str, float | None] = {
        "src:woning": 12,
        "src:fiets-totaal": 30,
        "src:fiets": 25,
        "src:brommer": 5,
        "src:overval-woning": 2,
        "src:overval-bedrijf": 1,
    }
    base.update(overrides or {})
    return {(period, measure): value for measure, value in base.items()}


def test_copy_total_and_parts_rules() -> None:
    result, problems = apply_mapping(_rows(_source("2017")), MAPPING)
    assert _value(result, "misdrijven:1.1.1", "2017") == 12  # copy
    assert _value(result, "misdrijven:1.2.3", "2017") == 30  # the total, not 30 + 25 + 5
    assert _value(result, "misdrijven:1.4.7", "2017") == 3  # sum of the parts
    assert problems == []  # 25 + 5 == 30
    assert set(result.columns) >= {"area_code", "period", "measure", "value", "status"}
    assert set(result.measure) == {"misdrijven:1.1.1", "misdrijven:1.2.3", "misdrijven:1.4.7"}


def test_total_differing_from_its_parts_is_a_warning_and_the_total_is_used() -> None:
    values = _source("2017", {"src:fiets": 20.0})  # 20 + 5 = 25 ≠ 30
    result, problems = apply_mapping(_rows(values), MAPPING)
    assert _value(result, "misdrijven:1.2.3", "2017") == 30
    (problem,) = problems
    assert problem.severity == "waarschuwing"
    assert problem.code == "total-parts-mismatch"
    assert "src:fiets-totaal" in problem.location and "GM0999" in problem.location
    assert "2017" in problem.location
    assert "30" in problem.message and "25" in problem.message


@pytest.mark.parametrize(
    ("withheld", "code", "expected"),
    [
        # A withheld part makes a parts-sum unknown, never the sum of the others.
        ("src:overval-bedrijf", "misdrijven:1.4.7", None),
        # A withheld part does not touch a rule that uses the total.
        ("src:brommer", "misdrijven:1.2.3", 30.0),
        # A withheld total stays withheld, even with all parts known.
        ("src:fiets-totaal", "misdrijven:1.2.3", None),
        # A withheld copied category stays withheld (not 0).
        ("src:woning", "misdrijven:1.1.1", None),
    ],
)
def test_withheld_values(withheld: str, code: str, expected: float | None) -> None:
    values = _source("2018", {withheld: None})
    result, problems = apply_mapping(_rows(values), MAPPING)
    value = _value(result, code, "2018")
    if expected is None:
        assert math.isnan(value)
    else:
        assert value == expected
    assert problems == []  # nothing to compare where a side is unknown


def test_parts_sum_per_period_and_status() -> None:
    frames = pd.concat(
        [_rows(_source("2017")), _rows(_source("2018", {"src:overval-woning": 10}), "voorlopig")],
        ignore_index=True,
    )
    result, _ = apply_mapping(frames, MAPPING)
    assert _value(result, "misdrijven:1.4.7", "2017") == 3
    assert _value(result, "misdrijven:1.4.7", "2018") == 11
    status = result.set_index(["measure", "period"])["status"]
    assert status[("misdrijven:1.4.7", "2017")] == "definitief"
    assert status[("misdrijven:1.4.7", "2018")] == "voorlopig"


def test_unknown_category_is_a_data_error() -> None:
    rows = _rows({("2017", "src:woning"): 12.0})
    with pytest.raises(DataError) as info:
        apply_mapping(rows, MAPPING)
    assert "src:fiets-totaal" in info.value.message


@pytest.mark.parametrize(
    "rule",
    [
        {"code": "x"},  # no way to make the code
        {"code": "x", "copy": "a", "total": "b"},  # copy and total
        {"code": "x", "copy": "a", "parts": ["b"]},  # copy and parts
    ],
)
def test_rule_needs_exactly_one_way(rule: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Rule.model_validate(rule)


def test_load_mapping_rejects_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "kapot.yaml"
    path.write_text("source: x\nrules: [{code: y}]\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_mapping(path)
    assert "kapot.yaml" in info.value.message


def test_real_iva_file_with_real_mapping() -> None:
    observations = read_observations(
        embedded_root() / "observations" / "maastricht_iva_politieregistraties_2014_2020h1.csv"
    )
    mapping = load_mapping(data_root() / "mappings" / "iva-maastricht.yaml")
    result, problems = apply_mapping(observations, mapping)
    gm = result[result.area_code == "GM0935"]
    # Diefstal van fietsen en brom/snorfietsen: the IVA's own total row.
    assert _value(gm, "misdrijven:1.2.3", "2017") == 1466
    # Overval: overval in woning + overval in bedrijven.
    assert _value(gm, "misdrijven:1.4.7", "2017") == 6
    # Mishandeling: three assault categories only (not "Mishandeling - Totaal").
    assert _value(gm, "misdrijven:1.4.5", "2014") == 568
    assert all(p.severity == "waarschuwing" for p in problems)
    assert set(result.measure) == {rule.code for rule in mapping.rules}
