# SPDX-License-Identifier: EUPL-1.2
"""Fill-in templates: which rows, CSV/XLSX that ``import file`` reads, and the property that a
filled-in template gives the indicator values for exactly the area-years that were filled."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veiligstad.definitions.validation import Definitions
from veiligstad.domain import measures
from veiligstad.domain.indicators import IndicatorKind
from veiligstad.errors import DataError, NotFound
from veiligstad.services import monitor, templates, uploads
from veiligstad.storage.warehouse import Warehouse

MAASTRICHT_WIJKEN = [f"WK0935{n:02d}" for n in range(7)]


def copy_of(loaded_url: str, folder: Path) -> str:
    target = folder / "w.duckdb"
    shutil.copy(Path(loaded_url.removeprefix("duckdb://")), target)
    return f"duckdb://{target}"


def valued(url: str, definitions: Definitions, indicator_id: str) -> set[tuple[str, int]]:
    with Warehouse.open(url) as warehouse:
        values = monitor.indicator_values(warehouse, definitions, only=indicator_id)
    values = values[values["value"].notna()]
    return {
        (str(a), int(p)) for a, p in zip(values["area_code"], values["period"], strict=True) if p.isdigit()
    }


def read_rows(data: bytes, fmt: str) -> list[dict[str, object]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]  # type: ignore[arg-type]


def fill(data: bytes, fmt: str, values: dict[int, float | None]) -> bytes:
    """The template with ``values`` (by data row index) written into the value column."""
    if fmt == "csv":
        lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        column = lines[0].index("value")
        for index, value in values.items():
            lines[index + 1][column] = "" if value is None else f"{value:g}".replace(".", ",")
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(lines)
        return out.getvalue().encode("utf-8")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    column = [c.value for c in sheet[1]].index("value") + 1
    for index, value in values.items():
        sheet.cell(row=index + 2, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_rows_are_the_missing_measures_with_units(warehouse: Warehouse, definitions: Definitions) -> None:
    template = templates.build(warehouse, definitions, "diefstallen-uit-woning", [2021, 2022, 2025])
    assert template.level == "gemeente" and template.areas == ["GM0935"]
    # the population is in the warehouse for these years (CBS 37230NED): only the count is asked for
    assert [(r.area_code, r.period, r.measure, r.unit) for r in template.rows] == [
        ("GM0935", 2021, "misdrijven:1.1.1", "aantal"),
        ("GM0935", 2022, "misdrijven:1.1.1", "aantal"),
        ("GM0935", 2025, "misdrijven:1.1.1", "aantal"),
    ]
    assert template.baseline_year is None  # 2021 is in the years already


def test_baseline_year_with_only_a_published_value_is_added(
    warehouse: Warehouse, definitions: Definitions
) -> None:
    template = templates.build(warehouse, definitions, "schaalscore-hic", [2025])
    assert template.baseline_year == definitions.programme.baseline_year == 2021
    assert {(r.area_code, r.period) for r in template.rows} == {("GM0935", 2021), ("GM0935", 2025)}
    # 2021: robbery codes come from the IVA registrations, the population from CBS: only 1.1.1 is missing
    assert [r.measure for r in template.rows if r.period == 2021] == ["misdrijven:1.1.1"]
    assert "basisjaar" in " ".join(templates.instructions(template))


def test_survey_asks_for_the_estimate_and_its_bounds(warehouse: Warehouse, definitions: Definitions) -> None:
    template = templates.build(warehouse, definitions, "onveilig-gevoel-buurt", [2021, 2023])
    assert [(r.measure, r.unit) for r in template.rows if r.period == 2023] == [
        ("vm:weleens-onveilig-buurt", "%"),
        ("vm:weleens-onveilig-buurt:ondergrens", "%"),
        ("vm:weleens-onveilig-buurt:bovengrens", "%"),
    ]


def test_area_and_level_pick_the_areas(warehouse: Warehouse, definitions: Definitions) -> None:
    wijken = templates.build(warehouse, definitions, "schaalscore-hic", [2024], level="wijk")
    assert wijken.areas == MAASTRICHT_WIJKEN
    buurten = templates.build(
        warehouse, definitions, "schaalscore-hic", [2024], level="buurt", area="wk093500"
    )
    assert buurten.areas and all(code.startswith("BU093500") for code in buurten.areas)
    own = templates.build(warehouse, definitions, "schaalscore-hic", [2024], area="WK093503")
    assert (own.level, own.areas) == ("wijk", ["WK093503"])
    with pytest.raises(NotFound, match="Onbekend gebied 'XX'"):
        templates.build(warehouse, definitions, "schaalscore-hic", [2024], area="XX")
    with pytest.raises(NotFound, match="Onbekende indicator"):
        templates.build(warehouse, definitions, "bestaat-niet", [2024])
    with pytest.raises(DataError, match="Onbekend niveau"):
        templates.build(warehouse, definitions, "schaalscore-hic", [2024], level="land")


@pytest.mark.parametrize("indicator", ["misdrijven-totaal", "winkeldiefstallen", "onveilig-gevoel-buurt"])
def test_what_earlier_templates_found_gives_the_same_rows(
    warehouse: Warehouse, definitions: Definitions, indicator: str
) -> None:
    """The web keeps what the warehouse holds for every area of the municipality per data state
    (``known``); a template of one area or level taken from it equals one asked directly,
    also for an area of another gemeente (which is asked directly)."""
    known: dict[Hashable, Any] = {}
    years = list(range(2017, 2025))
    for level, area in [
        ("gemeente", None),
        ("wijk", None),
        ("buurt", "WK093500"),
        ("stadsdeel", "SD093507"),
        ("buurt", "BU09350303"),
        ("gemeente", "GM0363"),
    ]:
        direct = templates.build(warehouse, definitions, indicator, years, level, area)
        cached = templates.build(warehouse, definitions, indicator, years, level, area, known)
        assert cached == direct, (level, area)
    assert any(key[0] == "present" for key in known)


def test_areas_picked_from_the_municipalitys_rows_are_those_asked_for_directly(
    warehouse: Warehouse, definitions: Definitions
) -> None:
    """The web picks a template's areas from the municipality's register rows, read once
    (``known``); for every own area and every level, the same areas, or the same error, as a
    query of the warehouse per area."""
    municipality = definitions.programme.municipality
    known: dict[Hashable, Any] = {}
    own = sorted(templates._own(warehouse, municipality, known))
    assert len(own) > 50  # the gemeente, its stadsdelen, wijken and buurten

    def outcome(pick: Any, *args: Any) -> Any:
        try:
            return pick(warehouse, municipality, *args)
        except (NotFound, DataError) as error:
            return (type(error), str(error))

    for area in [None, *own]:
        for level in [None, *templates.LEVELS]:
            direct = outcome(templates._areas, level, area)
            kept = outcome(templates._areas_among, level, area, known)
            assert kept == direct, (level, area)


def test_years_are_parsed_and_bounded() -> None:
    assert templates.parse_years("2025") == [2025]
    for bad in ("2025-2021", "twintig", "1800", "1990-2030"):
        with pytest.raises(DataError):
            templates.parse_years(bad)


def test_text_cells_cannot_carry_a_formula(warehouse: Warehouse, definitions: Definitions) -> None:
    template = templates.build(warehouse, definitions, "diefstallen-uit-woning", [2025])
    template.rows = [
        templates.TemplateRow("GM0935", '=HYPERLINK("x")', 2025, "misdrijven:1.1.1", "aantal", "@x")
    ]
    assert "'=HYPERLINK" in templates.to_csv(template).decode("utf-8-sig")
    row = read_rows(templates.to_xlsx(template), "xlsx")[0]
    assert row["area_name"] == '\'=HYPERLINK("x")' and row["toelichting"] == "'@x"
    template.rows = [templates.TemplateRow("GM0935", "=cmd|' /C calc'!A0", 2025, "m", "aantal", "")]
    sheet = openpyxl.load_workbook(io.BytesIO(templates.to_xlsx(template))).worksheets[0]
    assert (sheet["B2"].value, sheet["B2"].data_type) == ("'=cmd|' /C calc'!A0", "s")


def test_xlsx_has_typed_cells_a_comment_and_instructions(
    warehouse: Warehouse, definitions: Definitions
) -> None:
    template = templates.build(warehouse, definitions, "schaalscore-hic", [2024, 2025], level="wijk")
    book = openpyxl.load_workbook(io.BytesIO(templates.to_xlsx(template)))
    assert book.sheetnames == [templates.SHEET, templates.INSTRUCTIONS_SHEET]
    sheet = book[templates.SHEET]
    assert [c.value for c in sheet[1]] == list(templates.COLUMNS)
    assert "Leeg = niet bekend" in sheet["F1"].comment.text and sheet["F1"].comment.author == "veiligstad"
    assert all(c.font.b for c in sheet[1]) and not sheet["A2"].font.b
    assert isinstance(sheet["C2"].value, int) and sheet["F2"].value is None
    assert isinstance(sheet["A2"].value, str) and isinstance(sheet["G2"].value, str)
    assert sheet.max_row == len(template.rows) + 1
    # widths in characters as Excel shows them (the file holds 5 pixels of padding more: 14.71)
    assert [int(sheet.column_dimensions[c].width) for c in "ABCDEFG"] == [14, 28, 8, 30, 10, 12, 48]
    notes = book[templates.INSTRUCTIONS_SHEET]
    assert notes["A1"].value == "Toelichting" and notes["A1"].font.b
    assert int(notes.column_dimensions["A"].width) == 120
    text = " ".join(str(c.value) for c in notes["A"])
    assert "nooit als 0" in text and "veiligstad import file" in text


@pytest.mark.parametrize("fmt", templates.FORMATS)
def test_empty_cells_are_stored_as_unknown_not_zero(loaded_url: str, tmp_path: Path, fmt: str) -> None:
    url = copy_of(loaded_url, tmp_path)
    with Warehouse.open(url) as warehouse:
        template = templates.build(
            warehouse, monitor.load_definitions(), "schaalscore-hic", [2025], level="wijk"
        )
        data = templates.render(template, fmt)
        report = uploads.import_bytes(warehouse, data, f"leeg.{fmt}")
        assert (report.outcome, report.rows_total, report.rows_rejected) == ("geladen", len(template.rows), 0)
        assert not [p for p in report.problems if p.severity == "fout"]
        obs = warehouse.observations().filter(lambda t: t.source_id == "upload-leeg").execute()
    assert len(obs) == len(template.rows) and obs["value"].isna().all()  # never 0


INDICATORS = st.sampled_from(
    [
        "schaalscore-hic",
        "diefstallen-uit-woning",
        "halt-verwijzingen",
        "winkeldiefstallen",
        "geweldsmisdrijven",
        "onveilig-gevoel-buurt",
    ]
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    indicator_id=INDICATORS,
    first=st.integers(2019, 2025),
    span=st.integers(0, 2),
    level=st.sampled_from(["gemeente", "wijk", "buurt"]),
    fmt=st.sampled_from(templates.FORMATS),
    data=st.data(),
)
def test_filled_template_gives_values_for_exactly_the_filled_area_years(
    loaded_url: str,
    definitions: Definitions,
    indicator_id: str,
    first: int,
    span: int,
    level: str,
    fmt: str,
    data: st.DataObject,
) -> None:
    years = list(range(first, min(first + span, 2025) + 1))
    area = data.draw(st.sampled_from(MAASTRICHT_WIJKEN)) if level == "buurt" else None
    with tempfile.TemporaryDirectory() as folder:
        url = copy_of(loaded_url, Path(folder))
        before = valued(url, definitions, indicator_id)
        with Warehouse.open(url) as warehouse:
            template = templates.build(warehouse, definitions, indicator_id, years, level, area)
        blank = templates.render(template, fmt)
        rows = read_rows(blank, fmt)
        assert len(rows) == len(template.rows)
        groups: dict[tuple[str, int], list[int]] = defaultdict(list)
        for index, row in enumerate(rows):
            groups[(str(row["area_code"]), int(str(row["period"])))].append(index)
        assert not set(groups) & before  # only area-years without a value
        chosen = data.draw(st.sets(st.sampled_from(sorted(groups))) if groups else st.just(set()))
        survey = template.indicator.kind is IndicatorKind.SURVEY
        values: dict[int, float | None] = {}
        for key in chosen:
            estimate = data.draw(st.integers(1, 99))
            for index in groups[key]:
                measure = str(rows[index]["measure"])
                spec = measures.lookup(measure)
                assert spec is not None and rows[index]["unit"] == spec.unit
                if survey:
                    bound = {"ondergrens": -1, "bovengrens": 1}.get(measure.rsplit(":", 1)[-1], 0)
                    values[index] = float(estimate + bound)
                elif measure == template.indicator.denominator:
                    values[index] = float(data.draw(st.integers(1, 200_000)))  # a population is never 0
                else:
                    values[index] = float(data.draw(st.integers(0, 5_000)))
        filled = fill(blank, fmt, values)
        with Warehouse.open(url) as warehouse:
            report = uploads.import_bytes(warehouse, filled, f"sjabloon.{fmt}")
        assert report.rows_rejected == 0, report.problems
        assert report.outcome == ("geladen" if rows else "geweigerd")
        after = valued(url, definitions, indicator_id)
    assert set(groups) & after == chosen
    assert after - set(groups) >= before  # nothing that had a value lost it
