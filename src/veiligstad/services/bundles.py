# SPDX-License-Identifier: EUPL-1.2
"""Data bundles: the warehouse's figures in one zip file, to move them to another machine.

A bundle (``veiligstad export bundle``) holds four Parquet files and a ``manifest.json``:

- ``observations.parquet``: the current observations;
- ``history.parquet``: earlier versions of sources (``observations_history``);
- ``batches.parquet``: every import batch with its provenance (source, table, licence…);
- ``areas.parquet``: the area register with its boundaries (GeoJSON text per area).

The manifest names the format version, the veiligstad version, when the bundle was made,
per file its SHA-256 and row count, and the sources with their licence and attribution.
Accounts, the action programme and the audit trail are not part of a bundle.

``veiligstad import bundle`` checks everything before it touches the warehouse (file
names, sizes, the manifest, every hash, every table's columns, that every observation
belongs to a batch of the bundle) and then writes in one transaction: per source of the
bundle, the bundle's batches and observations become the warehouse's (the rows a source
had here that the bundle does not know move to the history, as with any newer load);
areas of the bundle replace areas with the same code. Sources and areas the bundle does
not name stay as they are. Importing the same bundle again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from veiligstad import __version__
from veiligstad.errors import DataError, VeiligstadError
from veiligstad.files import write_atomically
from veiligstad.storage.warehouse import (
    AREA_SCHEMA,
    AREAS,
    BATCH_SCHEMA,
    BATCHES,
    HISTORY,
    OBSERVATION_SCHEMA,
    OBSERVATIONS,
    Warehouse,
)

FORMAT = "veiligstad-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Bundle file → (warehouse table, schema, sort keys for a reproducible file).
FILES: Mapping[str, tuple[str, ibis.Schema, tuple[str, ...]]] = {
    "observations.parquet": (
        OBSERVATIONS,
        OBSERVATION_SCHEMA,
        ("source_id", "batch_id", "measure", "area_code", "period"),
    ),
    "history.parquet": (
        HISTORY,
        OBSERVATION_SCHEMA,
        ("source_id", "batch_id", "measure", "area_code", "period"),
    ),
    "batches.parquet": (BATCHES, BATCH_SCHEMA, ("batch_id",)),
    "areas.parquet": (AREAS, AREA_SCHEMA, ("code",)),
}
#: Upper bound on the uncompressed size of a bundle (all files together), against zip bombs.
MAX_BYTES = 2 * 1024**3
MAX_MANIFEST_BYTES = 1024**2
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_HINT = "Maak de bundel opnieuw met veiligstad export bundle en kopieer hem opnieuw."


@dataclass(frozen=True)
class FileEntry:
    """One file of a bundle as the manifest describes it."""

    sha256: str
    rows: int
    bytes: int


@dataclass
class BundleReport:
    """What an export or import of a bundle did."""

    path: str
    outcome: str  # "geschreven", "geladen" or "ongewijzigd"
    files: dict[str, FileEntry] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    size: int = 0
    seconds: float = 0.0
    created_at: str = ""
    veiligstad_version: str = ""

    @property
    def rows(self) -> int:
        """Rows in all tables together."""
        return sum(entry.rows for entry in self.files.values())

    def as_dict(self) -> dict[str, Any]:
        """A plain dict for JSON output."""
        return {
            "path": self.path,
            "outcome": self.outcome,
            "size": self.size,
            "seconds": round(self.seconds, 3),
            "created_at": self.created_at,
            "veiligstad_version": self.veiligstad_version,
            "files": {name: vars(entry) for name, entry in self.files.items()},
            "sources": self.sources,
        }


# --------------------------------------------------------------------------- export


def _table(warehouse: Warehouse, name: str, schema: ibis.Schema, keys: tuple[str, ...]) -> pa.Table:
    table = warehouse.table(name).select(*schema.names).to_pyarrow().cast(schema.to_pyarrow())
    return table.sort_by([(key, "ascending") for key in keys])


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _sources(batches: pa.Table) -> list[dict[str, Any]]:
    """Per source: its current batch's provenance (title, publisher, licence, attribution)."""
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    rows = sorted(
        batches.to_pylist(),
        key=lambda r: (r["source_id"], r["replaced_by"] is None, r["loaded_at"] or never),
    )
    by_source: dict[str, dict[str, Any]] = {}
    for row in rows:  # the current batch (replaced_by empty) comes last and wins
        by_source[row["source_id"]] = {
            "source_id": row["source_id"],
            "title": row["title"] or "",
            "publisher": row["publisher"] or "",
            "attribution": row["attribution"] or "",
            "licence": row["licence"] or "",
            "table_id": row["table_id"] or "",
            "kind": row["kind"] or "",
            "batch_id": row["batch_id"],
            "loaded_at": row["loaded_at"].isoformat() if row["loaded_at"] else "",
        }
    return [by_source[key] for key in sorted(by_source)]


def export_bundle(warehouse: Warehouse, output: Path, now: dt.datetime | None = None) -> BundleReport:
    """Write the warehouse's observations, history, batches and areas to a bundle (atomically)."""
    if output.suffix.lower() != ".zip":
        raise VeiligstadError(f"Onbekend uitvoerformaat '{output.suffix}'.", hint="Gebruik een .zip-bestand.")
    started = time.perf_counter()
    warehouse.ensure_schema()
    created = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    contents: dict[str, bytes] = {}
    report = BundleReport(path=str(output), outcome="geschreven", created_at=created)
    report.veiligstad_version = __version__
    for name, (table_name, schema, keys) in FILES.items():
        table = _table(warehouse, table_name, schema, keys)
        data = _parquet(table)
        contents[name] = data
        report.files[name] = FileEntry(hashlib.sha256(data).hexdigest(), table.num_rows, len(data))
        if name == "batches.parquet":
            report.sources = _sources(table)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "veiligstad_version": __version__,
        "created_at": created,
        "files": {name: vars(entry) for name, entry in report.files.items()},
        "sources": report.sources,
    }
    contents[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    _write_zip(output, contents)
    report.size = output.stat().st_size
    report.seconds = time.perf_counter() - started
    return report


def _write_zip(output: Path, contents: Mapping[str, bytes]) -> None:
    """Write to a temporary file beside ``output`` and rename it: never half a bundle."""

    def write(raw: BinaryIO) -> None:
        with zipfile.ZipFile(raw, "w") as archive:
            for name in (MANIFEST, *FILES):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                # Parquet is compressed already; the manifest is text.
                info.compress_type = zipfile.ZIP_DEFLATED if name == MANIFEST else zipfile.ZIP_STORED
                archive.writestr(info, contents[name])

    write_atomically(output, write)


# --------------------------------------------------------------------------- reading and checking


@dataclass
class Bundle:
    """A bundle whose manifest, hashes and tables were checked; nothing written yet."""

    manifest: dict[str, Any]
    tables: dict[str, pa.Table]
    files: dict[str, FileEntry]
    size: int


def _refuse(message: str, hint: str = _HINT) -> DataError:
    return DataError(message, hint=hint)


def _check_names(infos: list[zipfile.ZipInfo], max_bytes: int) -> None:
    expected = {MANIFEST, *FILES}
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in name or "/" in name or "\\" in name or ":" in name:
            raise _refuse(
                f"De bundel bevat een onveilige bestandsnaam '{name}' (een pad buiten de bundel).",
                hint="Gebruik alleen bundels die met veiligstad export bundle zijn gemaakt.",
            )
        if name not in expected:
            raise _refuse(f"De bundel bevat een onbekend bestand '{name}'.")
        if name in seen:
            raise _refuse(f"Het bestand '{name}' staat twee keer in de bundel.")
        if info.flag_bits & 0x1:
            raise _refuse(f"Het bestand '{name}' in de bundel is versleuteld.")
        seen.add(name)
    missing = sorted(expected - seen)
    if missing:
        raise _refuse(f"De bundel is onvolledig: {', '.join(missing)} ontbreekt.")
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise _refuse(
            f"De bundel is uitgepakt {total:,} bytes, meer dan de grens van {max_bytes:,} bytes.".replace(
                ",", "."
            ),
            hint="Dit is geen bundel van veiligstad of hij is beschadigd (mogelijk een zip-bom).",
        )


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A member's bytes, never more than ``limit`` (whatever the zip header claims)."""
    with archive.open(name) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise _refuse(f"Het bestand '{name}' in de bundel is groter dan toegestaan.")
    return data


def _manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _refuse(f"manifest.json in de bundel is geen geldige JSON ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse("manifest.json beschrijft geen veiligstad-bundel.")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise _refuse(
            f"Onbekende formaatversie {version!r} van de bundel "
            f"(deze veiligstad leest versie {FORMAT_VERSION}).",
            hint="Werk veiligstad bij, of maak de bundel met dezelfde versie van veiligstad.",
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(FILES):
        raise _refuse(f"manifest.json noemt niet precies de bestanden {', '.join(FILES)}.")
    for name, entry in files.items():
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and bool(_SHA256.match(entry["sha256"]))
            and isinstance(entry.get("rows"), int)
            and entry["rows"] >= 0
        )
        if not ok:
            raise _refuse(
                f"manifest.json: de gegevens van '{name}' (sha256, rows) ontbreken of zijn ongeldig."
            )
    return manifest


def _parse_table(name: str, data: bytes, rows: int) -> pa.Table:
    schema = FILES[name][1]
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _refuse(f"'{name}' in de bundel is geen leesbaar Parquet-bestand ({exc}).") from exc
    missing = [column for column in schema.names if column not in table.column_names]
    if missing:
        raise _refuse(f"'{name}' in de bundel mist de kolom(men) {', '.join(missing)}.")
    try:
        table = table.select(schema.names).cast(schema.to_pyarrow())
    except (pa.ArrowException, ValueError) as exc:
        raise _refuse(f"'{name}' in de bundel heeft kolommen van een verkeerd type ({exc}).") from exc
    if table.num_rows != rows:
        raise _refuse(f"'{name}' heeft {table.num_rows} rijen; manifest.json noemt er {rows}.")
    return table


def _check_consistency(tables: Mapping[str, pa.Table]) -> None:
    batches = tables["batches.parquet"]
    batch_ids = batches["batch_id"]
    if batch_ids.null_count or len(pc.unique(batch_ids)) != batches.num_rows:
        raise _refuse("batches.parquet bevat een lege of dubbele batch-id.")
    for source in pc.unique(batches["source_id"]).to_pylist():
        if not isinstance(source, str) or not _SAFE_ID.match(source):
            raise _refuse(f"batches.parquet bevat een ongeldige bron-id {source!r}.")
    current = batches.filter(pc.is_null(batches["replaced_by"]))
    if len(pc.unique(current["source_id"])) != current.num_rows:
        raise _refuse("batches.parquet heeft voor een bron meer dan één actuele batch.")
    pairs = {(s, b) for s, b in zip(batches["source_id"].to_pylist(), batch_ids.to_pylist(), strict=True)}
    for name in ("observations.parquet", "history.parquet"):
        table = tables[name]
        used = table.group_by(["source_id", "batch_id"]).aggregate([])
        found = set(zip(used["source_id"].to_pylist(), used["batch_id"].to_pylist(), strict=True))
        unknown = sorted(found - pairs, key=str)
        if unknown:
            raise _refuse(
                f"{name} bevat waarden van een batch die niet in batches.parquet staat: {unknown[0]}."
            )
    areas = tables["areas.parquet"]["code"]
    if areas.null_count or len(pc.unique(areas)) != len(areas):
        raise _refuse("areas.parquet bevat een lege of dubbele gebiedscode.")


def read_bundle(path: Path, max_bytes: int = MAX_BYTES) -> Bundle:
    """Open and check a bundle completely; raise ``DataError`` (Dutch) on anything wrong."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"Kan {path} niet lezen: {exc.strerror}.", hint="Controleer het pad.") from exc
    if size > max_bytes:
        raise _refuse(
            f"De bundel is {size:,} bytes, meer dan de grens van {max_bytes:,} bytes.".replace(",", ".")
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_names(infos, max_bytes)
            manifest = _manifest(_read_member(archive, MANIFEST, MAX_MANIFEST_BYTES))
            tables: dict[str, pa.Table] = {}
            files: dict[str, FileEntry] = {}
            sizes = {info.filename: info.file_size for info in infos}
            for name in FILES:
                data = _read_member(archive, name, sizes[name])
                entry = manifest["files"][name]
                digest = hashlib.sha256(data).hexdigest()
                if digest != entry["sha256"]:
                    raise _refuse(
                        f"De SHA-256 van '{name}' klopt niet met manifest.json: "
                        "de bundel is beschadigd of gewijzigd."
                    )
                tables[name] = _parse_table(name, data, entry["rows"])
                files[name] = FileEntry(digest, entry["rows"], len(data))
    except zipfile.BadZipFile as exc:
        raise _refuse(f"{path.name} is geen geldig zip-bestand ({exc}).") from exc
    _check_consistency(tables)
    return Bundle(manifest=manifest, tables=tables, files=files, size=size)


# --------------------------------------------------------------------------- import


def _columns(schema: ibis.Schema) -> str:
    return ", ".join(f'"{name}"' for name in schema.names)


def _count(warehouse: Warehouse, sql: str) -> int:
    result = warehouse.con.raw_sql(sql).fetchone()
    return int(result[0]) if result else 0


def _unchanged(warehouse: Warehouse, stages: Mapping[str, str]) -> bool:
    """Whether the warehouse holds the bundle already, exactly (then nothing is written)."""
    obs, hist, bat, area = (stages[name] for name in FILES)
    o, b, a = _columns(OBSERVATION_SCHEMA), _columns(BATCH_SCHEMA), _columns(AREA_SCHEMA)
    sources = f"(SELECT DISTINCT source_id FROM {bat})"
    checks = (
        f"SELECT {o} FROM {obs} EXCEPT ALL SELECT {o} FROM {OBSERVATIONS}",
        f"SELECT {o} FROM {OBSERVATIONS} WHERE source_id IN {sources} EXCEPT ALL SELECT {o} FROM {obs}",
        f"SELECT {o} FROM {hist} EXCEPT ALL SELECT {o} FROM {HISTORY}",
        f"SELECT {b} FROM {bat} EXCEPT ALL SELECT {b} FROM {BATCHES}",
        f"SELECT {b} FROM {BATCHES} WHERE source_id IN {sources} AND replaced_by IS NULL "
        f"AND batch_id NOT IN (SELECT batch_id FROM {bat})",
        f"SELECT {a} FROM {area} EXCEPT ALL SELECT {a} FROM {AREAS}",
    )
    return all(_count(warehouse, f"SELECT count(*) FROM ({sql}) AS diff") == 0 for sql in checks)


def _write(warehouse: Warehouse, stages: Mapping[str, str]) -> None:
    """Everything in one transaction (see the module docstring for what replaces what)."""
    obs, hist, bat, area = (stages[name] for name in FILES)
    o, b, a = _columns(OBSERVATION_SCHEMA), _columns(BATCH_SCHEMA), _columns(AREA_SCHEMA)
    sources = f"(SELECT DISTINCT source_id FROM {bat})"
    known = f"(SELECT batch_id FROM {bat})"
    sql = warehouse.con.raw_sql
    with warehouse.transaction():
        # rows of a version the bundle does not know stay, as history
        sql(
            f"INSERT INTO {HISTORY} ({o}) SELECT {o} FROM {OBSERVATIONS} "
            f"WHERE source_id IN {sources} AND batch_id NOT IN {known}"
        )
        sql(f"DELETE FROM {OBSERVATIONS} WHERE source_id IN {sources}")
        sql(f"DELETE FROM {HISTORY} WHERE batch_id IN {known}")
        sql(f"INSERT INTO {OBSERVATIONS} ({o}) SELECT {o} FROM {obs}")
        sql(f"INSERT INTO {HISTORY} ({o}) SELECT {o} FROM {hist}")
        sql(
            f"UPDATE {BATCHES} SET replaced_by = cur.batch_id "
            f"FROM (SELECT source_id, batch_id FROM {bat} WHERE replaced_by IS NULL) AS cur "
            f"WHERE {BATCHES}.source_id = cur.source_id AND {BATCHES}.replaced_by IS NULL "
            f"AND {BATCHES}.batch_id NOT IN {known}"
        )
        sql(f"DELETE FROM {BATCHES} WHERE batch_id IN {known}")
        sql(f"INSERT INTO {BATCHES} ({b}) SELECT {b} FROM {bat}")
        sql(f"DELETE FROM {AREAS} WHERE code IN (SELECT code FROM {area})")
        sql(f"INSERT INTO {AREAS} ({a}) SELECT {a} FROM {area}")


def import_bundle(warehouse: Warehouse, path: Path, max_bytes: int = MAX_BYTES) -> BundleReport:
    """Check a bundle completely, then load it in one transaction; idempotent."""
    started = time.perf_counter()
    bundle = read_bundle(path, max_bytes)
    warehouse.ensure_schema()
    stages: dict[str, str] = {}
    try:
        for name, table in bundle.tables.items():
            stages[name] = warehouse.stage(table)
        unchanged = _unchanged(warehouse, stages)
        if not unchanged:
            _write(warehouse, stages)
    finally:
        for stage in stages.values():
            warehouse.drop(stage)
    return BundleReport(
        path=str(path),
        outcome="ongewijzigd" if unchanged else "geladen",
        files=bundle.files,
        sources=list(bundle.manifest.get("sources") or []),
        size=bundle.size,
        seconds=time.perf_counter() - started,
        created_at=str(bundle.manifest.get("created_at", "")),
        veiligstad_version=str(bundle.manifest.get("veiligstad_version", "")),
    )
