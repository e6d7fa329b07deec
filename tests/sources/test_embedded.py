# SPDX-License-Identifier: EUPL-1.2
"""The embedded open data: manifest, observation files and the area register."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from veiligstad.errors import DataError
from veiligstad.sources.embedded import (
    OBSERVATION_COLUMNS,
    embedded_root,
    file_hash,
    manifest,
    read_areas,
    read_observations,
)

HEADER = "area_code,period,measure,value,unit,status\n"


def _write(tmp_path: Path, body: str, name: str = "obs.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_read_observations_keeps_empty_values_as_nan(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "GM0935,2023,misdrijven:0.0.0,7840,aantal,\n"
        "GM0935,2022,misdrijven:0.0.0,,aantal,\n"  # not published
        "GM0935,2021,misdrijven:0.0.0,0,aantal,voorlopig\n",  # a real zero
    )
    frame = read_observations(path)
    values = dict(zip(frame.period, frame.value, strict=True))
    assert values["2023"] == 7840
    assert math.isnan(values["2022"])
    assert values["2021"] == 0
    statuses = dict(zip(frame.period, frame.status, strict=True))
    assert statuses == {"2023": "definitief", "2022": "definitief", "2021": "voorlopig"}
    assert list(frame.columns) == [*OBSERVATION_COLUMNS, "period_type", "year"]


@pytest.mark.parametrize(
    ("raw", "period", "period_type", "year"),
    [
        ("2023JJ00", "2023", "jaar", 2023),  # CBS year code
        ("2023MM03", "2023-03", "maand", 2023),  # CBS month code
        ("2023KW02", "2023Q2", "kwartaal", 2023),  # CBS quarter code
        ("2020H1", "2020H1", "halfjaar", 2020),  # canonical half year
        (" 2019 ", "2019", "jaar", 2019),  # padded canonical year
    ],
)
def test_read_observations_parses_periods(
    tmp_path: Path, raw: str, period: str, period_type: str, year: int
) -> None:
    path = _write(tmp_path, f" GM0935 ,{raw}, inwoners ,5,aantal,\n")
    frame = read_observations(path)
    row = frame.iloc[0]
    assert (row.period, row.period_type, row.year) == (period, period_type, year)
    assert row.area_code == "GM0935" and row.measure == "inwoners"
    assert frame.year.dtype == "int32"


def test_read_observations_default_status(tmp_path: Path) -> None:
    path = _write(tmp_path, "GM0935,2024,inwoners,5,aantal,\n")
    assert read_observations(path, default_status="voorlopig").status.iloc[0] == "voorlopig"


def test_read_observations_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "kort.csv"
    path.write_text("area_code,period,value\nGM0935,2023,1\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_observations(path)
    assert "kort.csv" in info.value.message
    assert "measure" in info.value.message


def test_read_observations_bad_period(tmp_path: Path) -> None:
    path = _write(tmp_path, "GM0935,2023MM13,inwoners,5,aantal,\n")
    with pytest.raises(DataError) as info:
        read_observations(path)
    assert "2023MM13" in info.value.message


def test_read_observations_non_numeric_value_is_a_data_error(tmp_path: Path) -> None:
    # A value like "1.234,5" or "x" is a data problem the user can fix: DataError naming
    # the file, not a bare ValueError from pandas.
    path = _write(tmp_path, "GM0935,2023,inwoners,x,aantal,\n", name="tekst.csv")
    with pytest.raises(DataError) as info:
        read_observations(path)
    assert "tekst.csv" in info.value.message


def test_manifest_entries_point_to_existing_files() -> None:
    entries = manifest()
    assert len(entries) >= 10
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        assert (embedded_root() / entry.file).is_file(), entry.file
        assert entry.attribution
    on_disk = {p.name for p in (embedded_root() / "observations").glob("*.csv")}
    assert {Path(e.file).name for e in entries} == on_disk


def test_every_embedded_observation_file_reads() -> None:
    for entry in manifest():
        frame = read_observations(embedded_root() / entry.file, default_status=entry.status)
        assert len(frame) > 0, entry.file
        assert not frame.duplicated(["area_code", "period", "measure"]).any(), entry.file
        assert (frame.value.dropna() >= 0).all(), entry.file


def test_read_areas_maastricht() -> None:
    areas = read_areas()
    maastricht = areas[areas.gemeente_code == "GM0935"]
    buurten = maastricht[maastricht.level == "buurt"]
    assert len(buurten) == 44
    assert buurten.code.str.startswith("BU0935").all()
    assert buurten.geometry.notna().all()
    assert buurten.wijk_code.notna().all() and buurten.stadsdeel_code.notna().all()
    stadsdelen = areas[areas.level == "stadsdeel"]
    assert sorted(stadsdelen.code) == [f"SD09350{i}" for i in range(1, 8)]
    assert stadsdelen.geometry.notna().all()
    # Every buurt's stadsdeel and wijk exist in the register.
    assert set(buurten.stadsdeel_code) == set(stadsdelen.code)
    assert set(buurten.wijk_code) <= set(areas[areas.level == "wijk"].code)
    geometry = json.loads(buurten.geometry.iloc[0])
    assert geometry["type"] in {"Polygon", "MultiPolygon"}
    assert (areas.code == "NL01").sum() == 1
    assert areas.code.is_unique
    assert str(areas.boundary_year.dtype) == "Int32"
    assert pd.isna(areas.loc[areas.code == "NL01", "gemeente_code"].iloc[0])


def test_file_hash_depends_on_content(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"1")
    b.write_bytes(b"2")
    assert file_hash(a) != file_hash(b)
    assert file_hash(a, b) != file_hash(b, a)
    assert len(file_hash(a)) == 64


def _source_frame(source_id: str) -> pd.DataFrame:
    [entry] = [e for e in manifest() if e.id == source_id]
    return read_observations(embedded_root() / entry.file, default_status=entry.status)


def test_cbs_thefts_use_a_police_code_only_where_the_definition_is_the_same() -> None:
    thefts = _source_frame("cbs-83651ned-diefstallen-gemeenten-2018-2021")
    police = {m for m in thefts.measure.unique() if m.startswith("misdrijven:")}
    # shop theft, pickpocketing, street robbery, robbery: one police type each
    assert police == {"misdrijven:2.5.2", "misdrijven:1.2.4", "misdrijven:1.4.6", "misdrijven:1.4.7"}
    # home + shed burglary in one figure: its own CBS code, never 1.1.1 or 1.1.2
    assert "misdrijven-scm:CRI1134" in set(thefts.measure)
    assert set(thefts.period) == {"2018", "2019", "2020", "2021"}
    assert set(thefts.loc[thefts.period == "2021", "status"]) == {"voorlopig"}
    assert "GM0000" not in set(thefts.area_code)  # 'Onbekend' is no area


def test_new_sources_of_the_second_research_session_are_in_the_manifest() -> None:
    entries = {e.id: e for e in manifest()}
    for source_id, table in [
        ("cbs-83651ned-diefstallen-gemeenten-2018-2021", "83651NED"),
        ("cbs-83648ned-gemeenten-hoofdgroepen-2013-2017", "83648NED"),
        ("cbs-85618ned-inwoners-buurten-maastricht-2023", "85618NED"),
        ("politie-47021ned-overlast-nederland-2012-2023", "47021NED"),
    ]:
        entry = entries[source_id]
        assert entry.table_id == table and entry.attribution.startswith("Bron: ")
        assert entry.licence and entry.origin and " @ " in entry.origin  # repository and commit
    nuisance = _source_frame("politie-47021ned-overlast-nederland-2012-2023")
    assert set(nuisance.area_code) == {"NL01"} and len(nuisance) == 4 * 12
    buurten = _source_frame("cbs-85618ned-inwoners-buurten-maastricht-2023")
    assert len(buurten) == 44 and buurten.value.sum() == 122_710
    assert set(buurten.period) == {"2023"} and buurten.area_code.str.startswith("BU0935").all()
