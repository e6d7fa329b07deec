# SPDX-License-Identifier: EUPL-1.2
"""Area boundaries from GeoJSON or GeoPackage (CBS/PDOK wijk- en buurtkaart).

A file is read with geopandas/pyogrio, reprojected from its own CRS (RD New, EPSG:28992,
is assumed only for a file without a CRS whose coordinates look like RD) to WGS84,
repaired (``make_valid``) and given clockwise exterior rings, which Vega's geoshape needs.
Level and parent codes follow from the code itself (``BU`` + 4 gemeente + 2 wijk + 2 buurt);
codes are text and are never parsed as numbers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry import mapping

from veiligstad.domain.areas import AreaLevel
from veiligstad.errors import DataError, Problem

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"

#: Largest boundary file read (all of the Netherlands' buurten as GeoPackage is about 0.5 GB).
MAX_BYTES = 2 * 1024 * 1024 * 1024
#: The setting that changes it (named in the message).
MAX_BYTES_VARIABLE = "VEILIGSTAD_BOUNDARIES_MAX_BYTES"
#: No coordinate of any CRS on Earth is this large (metres of a projected CRS included).
_MAX_ABS_COORDINATE = 1e7
#: Objects with bad coordinates listed by name before "en N meer".
_SHOWN_BAD = 20

#: RD New covers the Netherlands with x in about 0–300 km and y in about 300–625 km.
_RD_X = (-10_000.0, 310_000.0)
_RD_Y = (280_000.0, 640_000.0)

_CODE_PATTERNS = {
    AreaLevel.BUURT: re.compile(r"^BU[0-9A-Z]{8}$"),
    AreaLevel.WIJK: re.compile(r"^WK[0-9A-Z]{6}$"),
    AreaLevel.GEMEENTE: re.compile(r"^GM[0-9A-Z]{4}$"),
}
IMPORTABLE_LEVELS = tuple(level.value for level in _CODE_PATTERNS)

#: Code and name columns as CBS (``BU_CODE``), PDOK (``buurtcode``) and others name them.
CODE_FIELDS = {
    AreaLevel.BUURT: ("BU_CODE", "buurtcode", "statcode", "code"),
    AreaLevel.WIJK: ("WK_CODE", "wijkcode", "statcode", "code"),
    AreaLevel.GEMEENTE: ("GM_CODE", "gemeentecode", "statcode", "code"),
}
NAME_FIELDS = {
    AreaLevel.BUURT: ("BU_NAAM", "buurtnaam", "statnaam", "name", "naam"),
    AreaLevel.WIJK: ("WK_NAAM", "wijknaam", "statnaam", "name", "naam"),
    AreaLevel.GEMEENTE: ("GM_NAAM", "gemeentenaam", "statnaam", "name", "naam"),
}
_ANY_CODE_FIELDS = (
    "BU_CODE",
    "WK_CODE",
    "GM_CODE",
    "buurtcode",
    "wijkcode",
    "gemeentecode",
    "statcode",
    "code",
)


class BoundaryFileError(DataError):
    """A boundary file that cannot be imported; carries every problem found."""

    def __init__(self, message: str, problems: list[Problem], hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.problems = tuple(problems)


@dataclass(frozen=True)
class ParsedCode:
    """An area code with the level and parent codes it encodes."""

    code: str
    level: AreaLevel
    gemeente_code: str
    wijk_code: str | None


def parse_code(raw: Any) -> ParsedCode | None:
    """Level and parents from a CBS code; None when it is no buurt/wijk/gemeente code.

    >>> found = parse_code(" BU09350001 ")
    >>> found.code, found.level.value, found.gemeente_code, found.wijk_code
    ('BU09350001', 'buurt', 'GM0935', 'WK093500')
    >>> parse_code("WK0363AF").wijk_code is None, parse_code("0935") is None
    (True, True)
    """
    if raw is None or (isinstance(raw, float) and pd.isna(raw)):
        return None
    code = str(raw).strip().upper()
    for level, pattern in _CODE_PATTERNS.items():
        if pattern.match(code):
            gemeente = f"GM{code[2:6]}"
            wijk = f"WK{code[2:8]}" if level is AreaLevel.BUURT else None
            return ParsedCode(code=code, level=level, gemeente_code=gemeente, wijk_code=wijk)
    return None


@dataclass
class BoundaryFile:
    """The areas of one boundary file, in WGS84, ready to merge into the area register."""

    frame: pd.DataFrame  # code, name, level, wijk_code, gemeente_code, geometry (GeoJSON text)
    source_crs: str
    problems: list[Problem] = field(default_factory=list)  # warnings only; errors raise
    repaired: int = 0


def _pick(columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str, path: Path) -> str:
    lower = {c.lower(): c for c in columns}
    if wanted is not None:
        if wanted in columns:
            return wanted
        if wanted.lower() in lower:
            return lower[wanted.lower()]
        raise DataError(
            f"{path.name}: kolom '{wanted}' bestaat niet.",
            hint=f"Kolommen in het bestand: {', '.join(columns)}. Kies de {what} met --{what}-field.",
        )
    for name in candidates:
        if name.lower() in lower:
            return lower[name.lower()]
    raise DataError(
        f"{path.name}: geen kolom met de gebiedscode gevonden.",
        hint=f"Kolommen in het bestand: {', '.join(columns)}. Geef de kolom op met --code-field.",
    )


def _looks_like_rd(bounds: Any) -> bool:
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    return _RD_X[0] <= minx <= maxx <= _RD_X[1] and _RD_Y[0] <= miny <= maxy <= _RD_Y[1]


def _looks_like_degrees(bounds: Any) -> bool:
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def _with_crs(frame: gpd.GeoDataFrame, path: Path, problems: list[Problem]) -> gpd.GeoDataFrame:
    """The frame with a known CRS: its own, or RD New when it has none and looks like RD."""
    bounds = frame.total_bounds
    crs = frame.crs
    # GeoJSON without a "crs" member is WGS84 by definition (RFC 7946); GDAL then says 4326
    # even when the coordinates are plainly metres: treat that as "no CRS".
    if crs is not None and crs.is_geographic and not _looks_like_degrees(bounds):
        crs = None
    if crs is not None:
        return frame
    if _looks_like_rd(bounds):
        problems.append(
            Problem(
                "crs-assumed",
                path.name,
                "het bestand noemt geen coördinatenstelsel; de coördinaten lijken RD New, "
                "dus EPSG:28992 is aangenomen",
                "sla het bestand op met een CRS als dit niet klopt",
                severity="waarschuwing",
            )
        )
        return frame.set_crs(RD_NEW, allow_override=True)
    raise DataError(
        f"{path.name}: het coördinatenstelsel is onbekend en de coördinaten lijken niet op RD New.",
        hint="Sla het bestand op met een CRS (bijvoorbeeld EPSG:28992 of EPSG:4326) en importeer opnieuw.",
    )


def _coordinate_problems(geometries: Any, path: Path, *, wgs84: bool, first: int = 0) -> list[Problem]:
    """Objects with a coordinate that is not a finite number in a plausible range.

    NaN, infinity and 1e308 make GEOS and PROJ fail (or silently give inf), so they are
    refused before any geometry operation; after reprojection the coordinates must be
    longitude -180..180 and latitude -90..90.
    """
    coords, index = shapely.get_coordinates(np.asarray(geometries, dtype=object), return_index=True)
    if wgs84:
        bad_points = (
            ~np.isfinite(coords).all(axis=1) | (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
        )
        allowed = "lengtegraad -180 tot 180 en breedtegraad -90 tot 90 (WGS84)"
    else:
        with np.errstate(invalid="ignore"):
            bad_points = ~np.isfinite(coords).all(axis=1) | (np.abs(coords) > _MAX_ABS_COORDINATE).any(axis=1)
        allowed = "eindige getallen, bijv. RD New (meters) of graden"
    objects = np.unique(index[bad_points])
    problems = []
    for number in objects[:_SHOWN_BAD]:
        point = coords[index == number][bad_points[index == number]][0]
        problems.append(
            Problem(
                "bad-coordinate",
                f"{path.name}: object {first + int(number) + 1}",
                f"onmogelijke coördinaat ({point[0]!r}, {point[1]!r})",
                f"geldig zijn {allowed}; herstel de geometrie in een GIS of exporteer opnieuw",
            )
        )
    if len(objects) > _SHOWN_BAD:
        problems.append(
            Problem(
                "bad-coordinate",
                path.name,
                f"en nog {len(objects) - _SHOWN_BAD} object(en) met onmogelijke coördinaten",
                "herstel de geometrie in een GIS of exporteer opnieuw",
            )
        )
    return problems


def _refuse_coordinates(problems: list[Problem], path: Path) -> None:
    if problems:
        raise BoundaryFileError(
            f"{path.name}: coördinaten die geen plaats op aarde zijn; er is niets geïmporteerd.",
            problems,
            hint="Herstel het bestand (NaN, oneindig of absurd grote getallen) en importeer opnieuw.",
        )


def _polygonal(geom: Any) -> Any:
    """Valid, polygonal geometry with clockwise exterior rings (Vega/d3-geo)."""
    if geom is None or geom.is_empty:
        return None
    fixed = geom if geom.is_valid else shapely.make_valid(geom)
    if fixed.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(parts) if parts else None
    if fixed is None or fixed.is_empty or fixed.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return shapely.orient_polygons(fixed, exterior_cw=True)


def _geojson_text(geom: Any) -> str:
    return json.dumps(_rounded(mapping(geom)), separators=(",", ":"))


def _rounded(value: Any) -> Any:
    """Coordinates rounded to 7 decimals (about 1 cm), which keeps ring orientation."""
    if isinstance(value, float):
        return round(value, 7)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def read_boundaries(
    path: Path,
    level: str | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
    max_bytes: int | None = None,
) -> BoundaryFile:
    """Read a GeoJSON or GeoPackage with buurt, wijk or gemeente boundaries.

    Files over ``max_bytes`` (default :data:`MAX_BYTES`) are not read; coordinates must be
    finite and plausible. JSON nested deeper than GDAL's limit (1,000 levels) is refused
    by the reader itself.
    """
    if level is not None and level not in IMPORTABLE_LEVELS:
        raise DataError(f"Onbekend niveau '{level}'.", hint=f"Kies uit: {', '.join(IMPORTABLE_LEVELS)}.")
    wanted = AreaLevel(level) if level else None
    if not path.exists():
        raise DataError(f"Bestand niet gevonden: {path}", hint="Controleer het pad.")
    limit = MAX_BYTES if max_bytes is None else max_bytes
    size = path.stat().st_size if path.is_file() else 0
    if size > limit:
        raise DataError(
            f"{path.name} is te groot om te lezen: {size // (1024 * 1024)} MB "
            f"(grens {limit // (1024 * 1024)} MB).",
            hint=f"Knip het bestand op (bijv. per gemeente) of verhoog de grens met {MAX_BYTES_VARIABLE}.",
        )
    try:
        # NaN or infinite coordinates are reported below, per object, not as a numpy warning
        with np.errstate(invalid="ignore", over="ignore"):
            raw = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises its own and GDAL's error types
        raise DataError(
            f"Kan {path.name} niet lezen als GeoJSON of GeoPackage: {exc}",
            hint="Geef bij een GeoPackage met meer lagen de laag op met --layer.",
        ) from exc
    if raw.empty:
        raise DataError(f"{path.name} bevat geen gebieden.")
    _refuse_coordinates(_coordinate_problems(raw.geometry.values, path, wgs84=False), path)
    problems: list[Problem] = []
    frame = _with_crs(raw, path, problems)
    source_crs = str(frame.crs.to_string()) if frame.crs is not None else RD_NEW
    if not CRS.from_user_input(frame.crs).equals(CRS.from_user_input(WGS84)):
        with np.errstate(invalid="ignore", over="ignore"):
            frame = frame.to_crs(WGS84)
    _refuse_coordinates(_coordinate_problems(frame.geometry.values, path, wgs84=True), path)

    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    code_column = _pick(
        columns,
        code_field,
        CODE_FIELDS[wanted] + _ANY_CODE_FIELDS if wanted else _ANY_CODE_FIELDS,
        "code",
        path,
    )
    detected = wanted or next(
        (p.level for p in map(parse_code, frame[code_column]) if p is not None), AreaLevel.BUURT
    )
    name_candidates = NAME_FIELDS[detected]
    name_column: str | None
    try:
        name_column = _pick(columns, name_field, name_candidates, "name", path)
    except DataError:
        if name_field is not None:
            raise
        name_column = None

    errors: list[Problem] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    repaired = 0
    for index, (raw_code, geom) in enumerate(zip(frame[code_column], frame.geometry, strict=True)):
        where = f"{path.name}: object {index + 1}"
        parsed = parse_code(raw_code)
        if parsed is None:
            errors.append(
                Problem(
                    "bad-code",
                    f"{where}, kolom {code_column}",
                    f"'{raw_code}' is geen buurt-, wijk- of gemeentecode",
                    "gebruik codes als BU09350000, WK093500 of GM0935, "
                    "of kies een andere kolom met --code-field",
                )
            )
            continue
        if wanted is not None and parsed.level is not wanted:
            errors.append(
                Problem(
                    "wrong-level",
                    f"{where}, kolom {code_column}",
                    f"'{parsed.code}' is een {parsed.level.value}code, geen {wanted.value}code",
                    f"laat --level weg of gebruik --level {parsed.level.value}",
                )
            )
            continue
        if parsed.code in seen:
            errors.append(
                Problem(
                    "duplicate-code",
                    f"{where}, kolom {code_column}",
                    f"code {parsed.code} komt ook voor in object {seen[parsed.code]}",
                    "houd één object per gebied over (voeg delen samen)",
                )
            )
            continue
        seen[parsed.code] = index + 1
        fixed = _polygonal(geom)
        if fixed is None:
            errors.append(
                Problem(
                    "no-geometry",
                    where,
                    f"{parsed.code} heeft geen (bruikbare) vlakgeometrie",
                    "controleer de geometrie van dit gebied in een GIS",
                )
            )
            continue
        if geom is not None and not geom.is_valid:
            repaired += 1
        name = None
        if name_column is not None:
            value = frame[name_column].iloc[index]
            name = None if value is None or pd.isna(value) else str(value).strip() or None
        rows.append(
            {
                "code": parsed.code,
                "name": name,
                "level": parsed.level.value,
                "wijk_code": parsed.wijk_code,
                "gemeente_code": parsed.gemeente_code,
                "geometry": _geojson_text(fixed),
            }
        )
    if errors:
        raise BoundaryFileError(
            f"{path.name}: {len(errors)} probleem/problemen; er is niets geïmporteerd.",
            errors,
            hint="Herstel het bestand of de opties en importeer opnieuw.",
        )
    if repaired:
        problems.append(
            Problem(
                "geometry-repaired",
                path.name,
                f"{repaired} ongeldige geometrie(ën) hersteld met make_valid",
                severity="waarschuwing",
            )
        )
    return BoundaryFile(frame=pd.DataFrame(rows), source_crs=source_crs, problems=problems, repaired=repaired)
