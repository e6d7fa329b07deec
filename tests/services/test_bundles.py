# SPDX-License-Identifier: EUPL-1.2
"""Data bundles: a real round trip between two DuckDB warehouses, idempotent imports,
merging with a warehouse that has its own sources, and every refusal (checked before the
warehouse is touched)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.errors import DataError
from veiligstad.services import bundles, monitor, uploads
from veiligstad.storage.warehouse import Warehouse

TABLES = ("observations", "observations_history", "batches", "areas")


@pytest.fixture(scope="module")
def source_url(loaded_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The embedded data plus an upload that was corrected once (so the history is not empty)."""
    target = tmp_path_factory.mktemp("bundle-source") / "w.duckdb"
    shutil.copy(Path(loaded_url.removeprefix("duckdb://")), target)
    url = f"duckdb://{target}"
    with Warehouse.open(url) as warehouse:
        first = b"area_code;period;measure;value\nGM0935;2025;misdrijven:1.1.1;400\nGM0935;2025;inwoners;\n"
        second = b"area_code;period;measure;value\nGM0935;2025;misdrijven:1.1.1;412\n"
        assert uploads.import_bytes(warehouse, first, "eigen.csv").outcome == "geladen"
        assert uploads.import_bytes(warehouse, second, "eigen.csv").outcome == "geladen"
    return url


@pytest.fixture(scope="module")
def bundle(source_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "veiligstad.zip"
    with Warehouse.open(source_url) as warehouse:
        report = bundles.export_bundle(warehouse, path)
    assert report.outcome == "geschreven" and report.size == path.stat().st_size
    return path


def contents(url: str) -> dict[str, pd.DataFrame]:
    """Every bundled table, sorted, for exact comparison."""
    out = {}
    with Warehouse.open(url) as warehouse:
        for name in TABLES:
            frame = warehouse.table(name).execute()
            frame = frame[sorted(frame.columns)]
            out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def indicator_export(url: str, definitions: Definitions) -> pd.DataFrame:
    with Warehouse.open(url) as warehouse:
        return monitor.export_frame(monitor.indicator_values(warehouse, definitions))


def load(url: str, path: Path, **kw: int) -> bundles.BundleReport:
    with Warehouse.open(url) as warehouse:
        return bundles.import_bundle(warehouse, path, **kw)


def test_manifest_names_files_hashes_rows_and_licences(bundle: Path, source_url: str) -> None:
    with zipfile.ZipFile(bundle) as archive:
        assert sorted(archive.namelist()) == sorted([bundles.MANIFEST, *bundles.FILES])
        manifest = json.loads(archive.read(bundles.MANIFEST))
        for name, entry in manifest["files"].items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"]
    assert manifest["format_version"] == bundles.FORMAT_VERSION and manifest["veiligstad_version"]
    with Warehouse.open(source_url) as warehouse:
        assert manifest["files"]["observations.parquet"]["rows"] == warehouse.observations().count().execute()
        assert manifest["files"]["history.parquet"]["rows"] == 2  # the first version of eigen.csv
    licences = {s["source_id"]: s["licence"] for s in manifest["sources"]}
    assert licences["cbs-37230ned-inwoners-gemeenten-2003-2025"].startswith("CC BY 4.0")
    current = {s["source_id"]: s["batch_id"] for s in manifest["sources"]}
    assert current["upload-eigen"].startswith("upload-eigen@")  # the corrected version, not the first


def test_round_trip_into_a_fresh_warehouse(
    bundle: Path, source_url: str, empty_url: str, definitions: Definitions
) -> None:
    report = load(empty_url, bundle)
    assert report.outcome == "geladen"
    assert report.rows == sum(e.rows for e in report.files.values()) > 60_000
    for name, frame in contents(source_url).items():
        pd.testing.assert_frame_equal(contents(empty_url)[name], frame, check_dtype=False, obj=name)
    pd.testing.assert_frame_equal(
        indicator_export(empty_url, definitions), indicator_export(source_url, definitions)
    )


def test_second_import_changes_nothing(bundle: Path, empty_url: str) -> None:
    assert load(empty_url, bundle).outcome == "geladen"
    before = contents(empty_url)
    with Warehouse.open(empty_url) as warehouse:
        state = warehouse.state()
    assert load(empty_url, bundle).outcome == "ongewijzigd"
    with Warehouse.open(empty_url) as warehouse:
        assert warehouse.state() == state
        assert not [t for t in warehouse.con.list_tables() if t.startswith("_stage_")]
    for name, frame in contents(empty_url).items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)


def test_import_into_the_source_itself_is_unchanged(bundle: Path, source_url: str) -> None:
    before = contents(source_url)
    assert load(source_url, bundle).outcome == "ongewijzigd"
    for name, frame in contents(source_url).items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)


def test_merges_with_a_warehouse_that_has_its_own_sources(
    bundle: Path, loaded_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "w.duckdb"
    shutil.copy(Path(loaded_url.removeprefix("duckdb://")), target)
    url = f"duckdb://{target}"
    with Warehouse.open(url) as warehouse:
        own = b"area_code;period;measure;value\nGM0935;2025;halt:verwijzingen;17\n"
        other = b"area_code;period;measure;value\nGM0935;2025;misdrijven:1.1.1;999\n"
        assert uploads.import_bytes(warehouse, own, "alleen-hier.csv").outcome == "geladen"
        assert uploads.import_bytes(warehouse, other, "eigen.csv").outcome == "geladen"
    assert load(url, bundle).outcome == "geladen"
    with Warehouse.open(url) as warehouse:
        current = warehouse.current_observations().execute()
        here = current[current["source_id"] == "upload-alleen-hier"]
        assert list(here["value"]) == [17.0]  # a source the bundle does not name stays
        mine = current[current["source_id"] == "upload-eigen"]
        assert sorted(mine["value"].dropna()) == [412.0]  # the bundle's version is current
        history = warehouse.history().execute()
        kept = history[(history["source_id"] == "upload-eigen") & (history["value"] == 999.0)]
        assert len(kept) == 1  # the version the bundle did not know is kept as history
        batches = warehouse.batches().execute()
        eigen = batches[batches["source_id"] == "upload-eigen"]
        assert eigen["replaced_by"].isna().sum() == 1
    assert load(url, bundle).outcome == "ongewijzigd"


# --------------------------------------------------------------------------- refusals


def rewrite(
    bundle: Path, target: Path, change: dict[str, bytes | None], extra: dict[str, bytes] | None = None
) -> Path:
    """A copy of ``bundle`` with members replaced (None: left out) or added."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            data = change.get(name, source.read(name))
            if data is not None:
                out.writestr(name, data)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return target


def manifest_of(bundle: Path) -> dict[str, object]:
    with zipfile.ZipFile(bundle) as archive:
        result: dict[str, object] = json.loads(archive.read(bundles.MANIFEST))
        return result


def refused(url: str, path: Path, match: str, **kw: int) -> None:
    before = contents(url)
    with pytest.raises(DataError, match=match) as info:
        load(url, path, **kw)
    assert info.value.hint
    after = contents(url)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)


@pytest.fixture
def target(loaded_url: str, tmp_path: Path) -> str:
    path = tmp_path / "doel.duckdb"
    shutil.copy(Path(loaded_url.removeprefix("duckdb://")), path)
    return f"duckdb://{path}"


def test_refuses_a_wrong_hash(bundle: Path, target: str, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        table = pq.read_table(io.BytesIO(archive.read("observations.parquet")))
    values = pa.array([999_999.0] * table.num_rows, pa.float64())
    table = table.set_column(table.column_names.index("value"), "value", values)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    bad = rewrite(bundle, tmp_path / "gewijzigd.zip", {"observations.parquet": buffer.getvalue()})
    refused(target, bad, "SHA-256 van 'observations.parquet' klopt niet")


def test_refuses_an_unknown_format_version(bundle: Path, target: str, tmp_path: Path) -> None:
    manifest = manifest_of(bundle) | {"format_version": 2}
    bad = rewrite(bundle, tmp_path / "v2.zip", {bundles.MANIFEST: json.dumps(manifest).encode()})
    refused(target, bad, "Onbekende formaatversie 2")


@pytest.mark.parametrize("name", ["../observations.parquet", "/etc/passwd", "sub/areas.parquet", "..\\x"])
def test_refuses_path_traversal_names(bundle: Path, target: str, tmp_path: Path, name: str) -> None:
    bad = rewrite(bundle, tmp_path / "pad.zip", {}, extra={name: b"x"})
    refused(target, bad, "onveilige bestandsnaam")


def test_refuses_a_zip_bomb_before_reading_it(bundle: Path, target: str, tmp_path: Path) -> None:
    bomb = tmp_path / "bom.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for name in source.namelist():
            data = source.read(name)
            out.writestr(name, data + b"\0" * (64 * 1024**2) if name == "areas.parquet" else data)
    assert bomb.stat().st_size < 2 * 1024**2  # small on disk, 64 MB unpacked
    refused(target, bomb, "uitgepakt .* meer dan de grens", max_bytes=32 * 1024**2)


def test_refuses_an_unknown_or_missing_member_and_a_non_zip(
    bundle: Path, target: str, tmp_path: Path
) -> None:
    refused(
        target, rewrite(bundle, tmp_path / "a.zip", {}, {"extra.txt": b"x"}), "onbekend bestand 'extra.txt'"
    )
    refused(target, rewrite(bundle, tmp_path / "b.zip", {"areas.parquet": None}), "onvolledig: areas.parquet")
    not_zip = tmp_path / "c.zip"
    not_zip.write_bytes(b"geen zip")
    refused(target, not_zip, "geen geldig zip-bestand")


def test_refuses_observations_of_a_batch_it_does_not_carry(bundle: Path, target: str, tmp_path: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        batches = pq.read_table(io.BytesIO(archive.read("batches.parquet")))
    batches = batches.filter(pa.compute.not_equal(batches["source_id"], "upload-eigen"))
    buffer = io.BytesIO()
    pq.write_table(batches, buffer)
    data = buffer.getvalue()
    manifest = manifest_of(bundle)
    files = manifest["files"]
    assert isinstance(files, dict)
    files["batches.parquet"] = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": batches.num_rows,
        "bytes": len(data),
    }
    bad = rewrite(
        bundle,
        tmp_path / "los.zip",
        {"batches.parquet": data, bundles.MANIFEST: json.dumps(manifest).encode()},
    )
    refused(target, bad, "batch die niet in batches.parquet staat")
