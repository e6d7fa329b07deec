# SPDX-License-Identifier: EUPL-1.2
"""The real open data shipped inside the package (see data/embedded/README.md).

Files are read as text and normalised here: codes stripped, periods parsed to their
canonical form, empty cells kept as "not published" (null), never as zero.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from veiligstad import yamlfile
from veiligstad.domain.periods import parse_period
from veiligstad.errors import DataError

OBSERVATION_COLUMNS = ["area_code", "period", "measure", "value", "unit", "status"]
AREA_COLUMNS = [
    "code",
    "name",
    "level",
    "wijk_code",
    "stadsdeel_code",
    "gemeente_code",
    "boundary_year",
]


class SourceEntry(BaseModel):
    """One entry of the embedded manifest (sources.yaml)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    file: str
    title: str
    publisher: str
    attribution: str
    table_id: str | None = None
    original_file: str = ""
    origin: str = ""
    licence: str = ""
    status: str = "definitief"
    notes: str = ""


def data_root() -> Path:
    """The folder of the embedded data."""
    return Path(str(resources.files("veiligstad") / "data"))


def embedded_root() -> Path:
    """The folder of embedded observation and area files."""
    return data_root() / "embedded"


def manifest(root: Path | None = None) -> list[SourceEntry]:
    """The embedded sources, in load order."""
    base = root or embedded_root()
    raw = yamlfile.read(base / "sources.yaml")
    return [SourceEntry.model_validate(item) for item in raw["sources"]]


def file_hash(*paths: Path) -> str:
    """SHA-256 over the bytes of one or more files."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_observations(path: Path, default_status: str = "definitief") -> pd.DataFrame:
    """Read a long observation file into normalised columns plus period_type and year."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"Kan {path.name} niet lezen: {exc}") from exc
    missing = [c for c in OBSERVATION_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path.name}: kolommen ontbreken: {', '.join(missing)}")
    for column in ("area_code", "period", "measure", "unit", "status"):
        frame[column] = frame[column].str.strip()
    value_text = frame["value"].str.strip()
    numbers = pd.to_numeric(value_text.where(value_text != ""), errors="coerce")
    bad = numbers.isna() & (value_text != "")
    if bad.any():
        first = int(bad.to_numpy().argmax())
        raise DataError(
            f"{path.name}: {int(bad.sum())} waarde(n) zijn geen getal, eerst op regel {first + 2}: "
            f"'{value_text.iloc[first]}'.",
            hint="Gebruik een punt als decimaalteken en laat een cel leeg als het cijfer niet bekend is.",
        )
    frame["value"] = numbers
    frame["status"] = frame["status"].where(frame["status"] != "", default_status)
    return with_period_columns(frame[OBSERVATION_COLUMNS])


def with_period_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical period text plus its type and year (parsing each distinct period once)."""
    parsed = {text: parse_period(text) for text in frame["period"].unique()}
    out = frame.copy()
    out["period"] = out["period"].map(lambda t: parsed[t].code)
    out["period_type"] = frame["period"].map(lambda t: parsed[t].type.value)
    out["year"] = frame["period"].map(lambda t: parsed[t].year).astype("int32")
    return out


def read_areas(root: Path | None = None) -> pd.DataFrame:
    """The area register with geometry (GeoJSON text) where the package has it."""
    base = (root or embedded_root()) / "areas"
    frame = pd.read_csv(base / "areas.csv", dtype=str, keep_default_na=False)
    frame = frame[AREA_COLUMNS].replace("", None)
    frame["boundary_year"] = pd.to_numeric(frame["boundary_year"]).astype("Int32")
    geometry = dict(_geometries([base / "gemeenten_2022.geojson", base / "maastricht.geojson"]))
    frame["geometry"] = frame["code"].map(geometry)
    return frame


def _geometries(paths: Iterable[Path]) -> Iterable[tuple[str, str]]:
    for path in paths:
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            yield feature["properties"]["code"], json.dumps(feature["geometry"], separators=(",", ":"))
