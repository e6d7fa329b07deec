# SPDX-License-Identifier: EUPL-1.2
"""A starter programme for another municipality, from the embedded data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from veiligstad.definitions.loader import load_programme
from veiligstad.errors import DataError, NotFound
from veiligstad.services.municipality import normalise_code, summarise, write_starter, years_text
from veiligstad.storage.warehouse import Warehouse

TODAY = dt.date(2025, 6, 1)


def test_normalise_code() -> None:
    assert normalise_code(" gm0363 ") == "GM0363"
    assert normalise_code("363") == "GM0363"
    with pytest.raises(NotFound, match="geen gemeentecode"):
        normalise_code("Amsterdam")


def test_starter_programme_for_amsterdam(warehouse: Warehouse, tmp_path: Path) -> None:
    target = tmp_path / "programma-gm0363.yaml"
    summary = write_starter(warehouse, "GM0363", target, today=TODAY)
    text = target.read_text(encoding="utf-8")
    assert "DIT IS EEN SJABLOON" in text and "published:" not in text.replace("(published: …)", "")
    programme = load_programme(target)  # valid as written
    assert (programme.municipality, programme.municipality_name) == ("GM0363", "Amsterdam")
    assert (programme.period_start, programme.period_end, programme.baseline_year) == (2025, 2028, 2023)
    assert [t.kind.value for t in programme.themes].count("speerpunt") == 4
    assert len(programme.themes) == 6
    # every catalogue indicator the embedded data can compute for Amsterdam (83651NED, 83648NED)
    assert [i.id for i in programme.indicators] == [
        "winkeldiefstallen",
        "geweldsmisdrijven",
        "misdrijven-totaal",
    ]
    assert all(i.published is None for i in programme.indicators)
    assert summary.name == "Amsterdam"
    assert summary.years["misdrijven:0.0.0"] == [2022, 2023, 2024]
    assert summary.years["misdrijven-scm:T001161"][0] == 2010
    assert 2024 in summary.years["inwoners"]
    assert "kwb:oppervlakte-km2" in summary.kwb
    assert summary.buurten == summary.buurten_with_population > 400
    assert summary.import_command == "veiligstad import cbs 47018NED --municipality GM0363"


def test_refuses_to_overwrite_without_force(warehouse: Warehouse, tmp_path: Path) -> None:
    target = tmp_path / "p.yaml"
    target.write_text("eigen werk\n", encoding="utf-8")
    with pytest.raises(DataError, match="bestaat al"):
        write_starter(warehouse, "GM0363", target, today=TODAY)
    assert target.read_text(encoding="utf-8") == "eigen werk\n"
    write_starter(warehouse, "GM0363", target, force=True, today=TODAY)
    assert "Amsterdam" in target.read_text(encoding="utf-8")


def test_unknown_gemeente_is_a_dutch_error(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="Onbekende gemeente 'GM9998'"):
        write_starter(warehouse, "GM9998", tmp_path / "x.yaml", today=TODAY)
    assert not (tmp_path / "x.yaml").exists()


def test_maastricht_summary_has_buurt_crime(warehouse: Warehouse) -> None:
    summary = summarise(warehouse, "GM0935")
    assert summary.buurten == 44 and summary.wijken == 7


def test_years_text() -> None:
    assert years_text([2010, 2011, 2012, 2020, 2022, 2023]) == "2010–2012, 2020, 2022–2023"
    assert years_text([]) == "–"
