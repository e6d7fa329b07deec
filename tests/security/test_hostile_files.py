# SPDX-License-Identifier: EUPL-1.2
"""Hostile files (issue 12): each attack is built here and must end in a clear Dutch error,
quickly and with bounded memory, never in a traceback or a machine out of memory.

Memory is measured in a child process (its own high-water mark ``VmHWM`` after the imports,
then after the read; ``ru_maxrss`` would keep the forking parent's, the whole test run's),
which also gets an address-space ceiling, so a regression fails with MemoryError
instead of taking the machine down.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app
from veiligstad.definitions.loader import read_yaml
from veiligstad.errors import DataError, DefinitionError
from veiligstad.services.documents import read_documents_yaml
from veiligstad.settings import Settings
from veiligstad.sources import boundaries, upload
from veiligstad.sources.boundaries import BoundaryFileError, read_boundaries

SRC = Path(__file__).parents[2] / "src"
runner = CliRunner()
#: Generous bounds for a loaded two-core machine; the attacks took gigabytes and minutes.
MAX_GROWTH_MB = 300
MAX_SECONDS = 90

# --------------------------------------------------------------------------- builders

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
    'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>area_code</t></is></c><c r="B1" t="inlineStr"><is>'
    '<t>period</t></is></c><c r="C1" t="inlineStr"><is><t>measure</t></is></c><c r="D1" t="inlineStr">'
    "<is><t>value</t></is></c></row>"
)


def workbook(rows: list[bytes], dimension: str, repeat: tuple[bytes, int] | None = None) -> bytes:
    """A minimal XLSX written by hand, so the attack is exactly what a hostile file holds."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><dimension ref="' + dimension.encode() + b'"/><sheetData>'
            )
            for row in rows:
                sheet.write(row)
            if repeat is not None:
                block, times = repeat
                for _ in range(times):
                    sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def dimension_bomb() -> bytes:
    """1.6 kB: a sheet that says A1:XFD1048576, with cells in the two far corners."""
    corner = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return workbook([HEADER_ROW.encode(), corner], "A1:XFD1048576")


def zip_bomb(megabytes: int) -> bytes:
    """Rows that compress about 1000:1: a few hundred kB that unpack to ``megabytes`` MB."""
    row = b"<row><c><v>1</v></c><c><v>2</v></c></row>"
    block = row * 25_000
    return workbook([HEADER_ROW.encode()], "A1:D1", (block, megabytes * 1024 * 1024 // len(block)))


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def feature_collection(coordinates: str) -> str:
    return (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"BU_CODE":"BU09350000",'
        '"BU_NAAM":"Binnenstad"},"geometry":{"type":"Polygon","coordinates":' + coordinates + "}}]}"
    )


SQUARE = "[[[5.68,50.84],[5.70,50.84],[5.70,50.86],[5.68,50.86],[5.68,50.84]]]"

# --------------------------------------------------------------------------- measuring

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    from veiligstad.services import uploads
    from veiligstad.sources.upload import UploadLimits, parse

    path, limits = Path(sys.argv[1]), UploadLimits(**json.loads(sys.argv[2]))
    def peak_kb():  # this process's own high-water mark (ru_maxrss keeps the forking parent's)
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))  # a regression fails, not the machine
    before = peak_kb()
    start = time.monotonic()
    areas = uploads.Areas(frozenset(f"BU0935{n:04d}" for n in range(100)) | {"GM0935"})
    checked = uploads.check(parse(path.read_bytes(), path.name, None, limits), areas)
    seconds = time.monotonic() - start
    after = peak_kb()
    print(json.dumps({
        "seconds": seconds,
        "growth_mb": (after - before) / 1024,
        "rows_valid": checked.rows_valid,
        "problems": [[p.code, p.message, p.fix] for p in checked.problems[:20]],
    }))
    """
)


def read_in_child(path: Path, **limits: int) -> dict[str, Any]:
    """Parse and check ``path`` in a fresh process; time, memory growth and the outcome."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), json.dumps(limits)],
        env=env,
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS * 5,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def assert_bounded(result: dict[str, Any], seconds: float = MAX_SECONDS) -> None:
    assert result["seconds"] < seconds, result
    assert result["growth_mb"] < MAX_GROWTH_MB, result


def too_large(result: dict[str, Any]) -> list[list[str]]:
    return [p for p in result["problems"] if p[0] == "too-large"]


# --------------------------------------------------------------------------- XLSX and CSV


def test_xlsx_with_a_huge_declared_dimension_is_refused_without_padding(tmp_path: Path) -> None:
    path = tmp_path / "dimensie.xlsx"
    path.write_bytes(dimension_bomb())
    assert path.stat().st_size < 3000
    result = read_in_child(path)
    assert_bounded(result)
    assert result["rows_valid"] == 0
    [(_, message, fix)] = too_large(result)
    assert "rij 1048576 heeft meer dan 1.000 kolommen" in message
    assert "VEILIGSTAD_UPLOAD_MAX_COLUMNS" in fix


def test_xlsx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "bom.xlsx"
    path.write_bytes(zip_bomb(64))  # unpacks to 64 MB, about 1000:1
    assert path.stat().st_size < 1024 * 1024
    result = read_in_child(path)
    assert result["seconds"] < 10 and result["growth_mb"] < 50, result  # nothing was unpacked
    [(_, message, fix)] = too_large(result)
    assert "samengeperst" in message and "VEILIGSTAD_UPLOAD_MAX_XLSX_RATIO" in fix
    # the unpacked-size limit applies to all parts together, whatever their ratio
    result = read_in_child(path, max_xlsx_bytes=10 * 1024 * 1024, max_xlsx_ratio=100_000)
    [(_, message, fix)] = too_large(result)
    assert "uitgepakt 63 MB (grens 10 MB)" in message and "VEILIGSTAD_UPLOAD_MAX_XLSX_BYTES" in fix


def test_xlsx_row_numbers_far_apart_are_not_padded(tmp_path: Path) -> None:
    far = b'<row r="900000000"><c r="A900000000"><v>1</v></c></row>'
    path = tmp_path / "ver.xlsx"
    path.write_bytes(workbook([HEADER_ROW.encode(), far], "A1:D1"))
    result = read_in_child(path, max_rows=10_000)
    assert_bounded(result)
    [(_, message, fix)] = too_large(result)
    assert "meer dan 10.000 rijen" in message and "VEILIGSTAD_UPLOAD_MAX_ROWS" in fix


def test_csv_past_the_row_limit_stops_reading(tmp_path: Path) -> None:
    path = tmp_path / "lang.csv"
    lines = ["area_code;period;measure;value"] + [
        f"GM0935;{2000 + i % 50};misdrijven:1.1.1;{i}" for i in range(5000)
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    result = read_in_child(path, max_rows=1000)
    assert result["rows_valid"] == 0
    assert "meer dan 1.000 rijen" in too_large(result)[0][1]


def test_a_large_csv_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """300,000 values (about 12 MB): memory follows the values kept, not the file."""
    buurten = [f"BU0935{n:04d}" for n in range(100)]
    months = [f"{y}-{m:02d}" for y in range(2000, 2025) for m in range(1, 13)]
    measures = [f"misdrijven:1.{m // 10}.{m % 10}" for m in range(10, 20)]
    path = tmp_path / "groot.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("area_code;period;measure;value\n")
        for b in buurten:
            for m in measures:
                out.writelines(f"{b};{p};{m};{i % 97}\n" for i, p in enumerate(months))
    result = read_in_child(path)
    assert result["rows_valid"] == 300_000 and not result["problems"]
    assert_bounded(result, seconds=MAX_SECONDS * 3)  # real work, on a possibly busy machine


def test_normal_files_still_load(loaded_url: str, tmp_path: Path) -> None:
    from veiligstad.services import uploads
    from veiligstad.storage.warehouse import Warehouse

    target = tmp_path / "w.duckdb"
    shutil.copy(loaded_url.removeprefix("duckdb://"), target)
    rows = [HEADER_ROW.encode()] + [
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>GM0935</t></is></c><c r="B{n}"><v>{1990 + n}</v></c>'
        f'<c r="C{n}" t="inlineStr"><is><t>misdrijven:1.1.1</t></is></c>'
        f'<c r="D{n}"><v>{n}</v></c></row>'.encode()
        for n in range(2, 12)
    ]
    csv = b"area_code;period;measure;value\n" + b"".join(
        f"GM0935;{2000 + n};misdrijven:1.2.1;{n}\n".encode() for n in range(20)
    )
    with Warehouse.open(f"duckdb://{target}") as warehouse:
        report = uploads.import_bytes(warehouse, workbook(rows, "A1:D11"), "normaal.xlsx")
        assert (report.outcome, report.rows_loaded) == ("geladen", 10), report.problems
        report = uploads.import_bytes(warehouse, csv, "normaal.csv")
        assert (report.outcome, report.rows_loaded) == ("geladen", 20), report.problems


def test_cli_refuses_the_xlsx_bomb_with_a_dutch_report(
    loaded_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "w.duckdb"
    shutil.copy(loaded_url.removeprefix("duckdb://"), target)
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", f"duckdb://{target}")
    monkeypatch.setenv("VEILIGSTAD_UPLOAD_MAX_COLUMNS", "50")  # the setting reaches the reader
    path = tmp_path / "dimensie.xlsx"
    path.write_bytes(dimension_bomb())
    result = runner.invoke(app, ["import", "file", str(path), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["outcome"] == "geweigerd" and report["rows_loaded"] == 0
    [problem] = [p for p in report["problems"] if p["code"] == "too-large"]
    assert "meer dan 50 kolommen" in problem["message"]
    assert "Traceback" not in result.output


def test_setting_defaults_are_the_readers_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    defaults = upload.UploadLimits()
    assert (
        settings.upload_max_rows,
        settings.upload_max_columns,
        settings.upload_max_cells,
        settings.upload_max_xlsx_bytes,
        settings.upload_max_xlsx_ratio,
    ) == (
        defaults.max_rows,
        defaults.max_columns,
        defaults.max_cells,
        defaults.max_xlsx_bytes,
        defaults.max_xlsx_ratio,
    )
    assert settings.boundaries_max_bytes == boundaries.MAX_BYTES


# --------------------------------------------------------------------------- YAML


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (BILLION_LAUGHS + "actions:\n  - id: lach\n    themes: *i\n", "aliassen uit tot meer dan 100.000"),
        ("actions: " + "[" * 100_000 + "]" * 100_000 + "\n", "dieper genest dan 50"),
        ("x: &a 1\nlijst: [" + ", ".join(["*a"] * 101) + "]\n", "meer dan 100 verwijzingen (aliassen)"),
    ],
    ids=["billion-laughs", "deep", "many-aliases"],
)
def test_hostile_yaml_is_one_dutch_error(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "acties.yaml"
    path.write_text(text)
    # actions import and sources add read with read_documents_yaml; programme files with read_yaml
    with pytest.raises(DataError) as documents:
        read_documents_yaml(path)
    assert words in documents.value.message and documents.value.hint
    with pytest.raises(DefinitionError) as definitions:
        read_yaml(path)
    assert words in definitions.value.problems[0].message


def test_billion_laughs_in_actions_import_is_fast_and_small(tmp_path: Path) -> None:
    path = tmp_path / "lach.yaml"
    path.write_text(BILLION_LAUGHS + "actions:\n  - id: lach\n    title: lach\n    themes: *i\n")
    child = textwrap.dedent(
        """
        import json, resource, sys, time
        from pathlib import Path
        from veiligstad.errors import DataError
        from veiligstad.services import monitor
        from veiligstad.services.action_files import parse_actions
        definitions = monitor.load_definitions()
        def peak_kb():  # this process's own high-water mark (ru_maxrss keeps the forking parent's)
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
        start = time.monotonic()
        try:
            parse_actions(Path(sys.argv[1]), definitions, {})
            message = ""
        except DataError as exc:
            message = exc.message
        print(json.dumps({"seconds": time.monotonic() - start, "message": message,
                          "peak_mb": peak_kb() / 1024}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(path)],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS * 3,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "aliassen" in result["message"]
    assert result["seconds"] < 5 and result["peak_mb"] < 600, result


def test_size_limit_of_yaml_files(tmp_path: Path) -> None:
    path = tmp_path / "groot.yaml"
    path.write_text("# " + "x" * (6 * 1024 * 1024) + "\n")
    with pytest.raises(DataError, match=r"groter dan 5\.120 kB"):
        read_documents_yaml(path)


def test_ordinary_yaml_with_anchors_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "gewoon.yaml"
    path.write_text("basis: &b {themes: [a]}\nactions:\n  - {<<: *b, id: x, date: 2024-01-31}\n")
    data = read_documents_yaml(path)
    assert data["actions"][0] == {"themes": ["a"], "id": "x", "date": "2024-01-31"}  # dates stay text


# --------------------------------------------------------------------------- GeoJSON


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "1e308", "-1e308"])
def test_geojson_with_impossible_coordinates_is_refused(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "grenzen.geojson"
    path.write_text(feature_collection(f"[[[5.68,50.84],[{bad},50.84],[5.70,50.86],[5.68,50.84]]]"))
    with pytest.raises(BoundaryFileError) as caught:
        read_boundaries(path)
    [problem] = caught.value.problems
    assert problem.code == "bad-coordinate" and "object 1" in problem.location
    assert "onmogelijke coördinaat" in problem.message


def test_geojson_in_rd_with_an_explicit_crs_and_a_huge_coordinate(tmp_path: Path) -> None:
    text = feature_collection("[[[176000,317000],[1e300,317000],[177000,318000],[176000,317000]]]")
    text = text.replace(
        '{"type":"FeatureCollection",',
        '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::28992"}},',
    )
    path = tmp_path / "rd.geojson"
    path.write_text(text)
    with pytest.raises(BoundaryFileError, match="geen plaats op aarde"):
        read_boundaries(path)


def test_deeply_nested_geojson_is_a_dutch_error(tmp_path: Path) -> None:
    path = tmp_path / "diep.geojson"
    path.write_text(feature_collection("[" * 100_000 + "]" * 100_000))
    with pytest.raises(DataError, match=r"Kan diep\.geojson niet lezen"):
        read_boundaries(path)


def test_boundary_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "grenzen.geojson"
    path.write_text(feature_collection(SQUARE))
    assert len(read_boundaries(path).frame) == 1  # a normal file reads
    with pytest.raises(DataError, match="te groot") as caught:
        read_boundaries(path, max_bytes=100)
    assert "VEILIGSTAD_BOUNDARIES_MAX_BYTES" in caught.value.hint


def test_cli_boundaries_with_nan_is_one_dutch_error(
    loaded_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "w.duckdb"
    shutil.copy(loaded_url.removeprefix("duckdb://"), target)
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", f"duckdb://{target}")
    path = tmp_path / "nan.geojson"
    path.write_text(feature_collection("[[[5.68,50.84],[NaN,50.84],[5.70,50.86],[5.68,50.84]]]"))
    result = runner.invoke(app, ["import", "boundaries", str(path), "--year", "2024"])
    assert result.exit_code == 1
    assert "geen plaats op aarde" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
