#!/usr/bin/env python3
"""Convert the raw open-data files into the normalised data embedded in veiligstad.

Dev-time only. The product never reads the raw directory; it reads what this script
writes into ``src/veiligstad/data/embedded/``:

* ``sources.yaml``                   manifest, one entry per observation file
* ``observations/*.csv``             ``area_code,period,measure,value,unit,status``
* ``iva_categories.csv``             exact ``iva:<slug>`` measure ids with their labels
* ``areas/areas.csv``                area register (land, gemeente, stadsdeel, wijk, buurt)
* ``areas/maastricht.geojson``       GM0935 + 7 stadsdelen + 7 wijken + 44 buurten (WGS84)
* ``areas/gemeenten_2022.geojson``   all gemeenten 2022 (WGS84)

Run (shapely is only needed here, not in the product)::

    uv run --with shapely python scripts/prepare_embedded_data.py [--source DIR]

The output is deterministic (sorted rows, fixed number formatting), so re-running on the
same input gives byte-identical files. Sanity checks are assertions that fail loudly.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import shutil
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/work/shared/data")
DEFAULT_OUT = REPO / "src" / "veiligstad" / "data" / "embedded"

OBS_HEADER = ["area_code", "period", "measure", "value", "unit", "status"]
AREA_HEADER = [
    "code",
    "name",
    "level",
    "wijk_code",
    "stadsdeel_code",
    "gemeente_code",
    "boundary_year",
]
LEVEL_ORDER = {"land": 0, "gemeente": 1, "stadsdeel": 2, "wijk": 3, "buurt": 4}

MAASTRICHT = "GM0935"
# Pseudo-gemeenten in Politie/CBS region lists: not areas, never written as observations.
PSEUDO_GEMEENTEN = {"GM0998": "Buitenland", "GM0999": "Gemeenten; niet in te delen"}
# Order fixed by the brief: SD093501 .. SD093507.
STADSDELEN = ["Centrum", "Noord", "Noord-West", "West", "Zuid-West", "Zuid", "Oost"]
STADSDEEL_CODE = {name: f"SD0935{i:02d}" for i, name in enumerate(STADSDELEN, start=1)}

POLITIE_LICENCE = (
    "Open data van de Politie (data.politie.nl, via CBS StatLine voor derden), '© Politie'; "
    "licentie niet geverifieerd"
)
CBS_LICENCE = "CC BY 4.0 (Bron: CBS)"
MAASTRICHT_WEB_LICENCE = (
    "Geen licentie vermeld op de webpagina's van Gemeente Maastricht (feitelijke cijfers "
    "overgenomen); niet geverifieerd"
)

# Since 2022 Amsterdam (GM0363) uses letters in wijk/buurt codes (WK0363AA, BU0363AA01).
RE_CODE = re.compile(r"^(NL01|GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4}|SD\d{6})$")
RE_PERIOD = re.compile(r"^\d{4}(-\d{2}|Q[1-4]|H[12])?$")


# --------------------------------------------------------------------------- helpers


def fmt(value: object, ndigits: int = 6) -> str:
    """Plain decimal text with a dot; integers without '.0'; '' for missing."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = value.strip()
        if value in ("", ".", "NA", "nan", "NaN", "None"):
            return ""
        number = float(value)
    else:
        number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return ""
    number = round(number, ndigits)
    if number == int(number):
        return str(int(number))
    text = format(Decimal(repr(number)).normalize(), "f")
    return text


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    assert slug, f"empty slug for {text!r}"
    return slug


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def read_rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def load_geojson(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    assert data["type"] == "FeatureCollection", path
    return data


def round_coords(obj: object, ndigits: int = 6) -> object:
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(c), ndigits) for c in obj]
        return [round_coords(o, ndigits) for o in obj]
    raise TypeError(f"unexpected coordinate element {obj!r}")


def clean_geometry(geometry: dict) -> dict:
    assert geometry["type"] in ("Polygon", "MultiPolygon"), geometry["type"]
    return {
        "type": geometry["type"],
        "coordinates": round_coords(geometry["coordinates"]),
    }


def period_year(period: str) -> int:
    return int(period[:4])


# --------------------------------------------------------------------------- sources


@dataclass
class Source:
    id: str
    file: str
    title: str
    publisher: str
    attribution: str
    table_id: str | None
    original_file: str
    origin: str
    licence: str
    status: str
    notes: str
    rows: list[dict[str, str]] = field(default_factory=list)

    def add(
        self,
        area_code: str,
        period: str,
        measure: str,
        value: object,
        unit: str,
        status: str = "",
    ) -> None:
        self.rows.append(
            {
                "area_code": area_code.strip(),
                "period": str(period).strip(),
                "measure": measure,
                "value": fmt(value),
                "unit": unit,
                "status": status,
            }
        )

    def manifest(self) -> dict:
        return {
            "id": self.id,
            "file": self.file,
            "title": self.title,
            "publisher": self.publisher,
            "attribution": self.attribution,
            "table_id": self.table_id,
            "original_file": self.original_file,
            "origin": self.origin,
            "licence": self.licence,
            "status": self.status,
            "notes": self.notes,
        }


def check_and_sort(source: Source) -> None:
    seen: set[tuple[str, str, str]] = set()
    for row in source.rows:
        key = (row["area_code"], row["period"], row["measure"])
        assert key not in seen, f"{source.id}: duplicate {key}"
        seen.add(key)
        assert RE_CODE.match(row["area_code"]), f"{source.id}: bad area code {row['area_code']!r}"
        assert RE_PERIOD.match(row["period"]), f"{source.id}: bad period {row['period']!r}"
        assert row["status"] in ("", "definitief", "voorlopig"), row
        assert row["unit"], row
        assert re.match(r"^[a-z0-9:.\-]+$", row["measure"], re.IGNORECASE), row["measure"]
        if row["value"]:
            float(row["value"])
            assert "e" not in row["value"].lower(), row["value"]
    assert source.status in ("definitief", "voorlopig")
    source.rows.sort(key=lambda r: (r["measure"], r["area_code"], r["period"]))


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in header})


# --------------------------------------------------------------------------- names -> codes


class GemeenteNames:
    """Name -> GM code table built from code lists of several years."""

    SUFFIX = " (gemeente)"

    def __init__(self) -> None:
        self.by_key: dict[str, dict[str, int]] = defaultdict(dict)  # key -> code -> newest year
        self.names: dict[str, dict[int, str]] = defaultdict(dict)  # code -> year -> name
        self.seen_year: dict[str, int] = {}

    @classmethod
    def key(cls, name: str) -> str:
        name = " ".join(name.strip().split())
        name = name.removesuffix(cls.SUFFIX)
        return name.casefold()

    def add(self, name: str, code: str, year: int) -> None:
        code = code.strip()
        assert re.match(r"^GM\d{4}$", code), code
        name = " ".join(name.strip().split())
        for key in {name.casefold(), self.key(name)}:
            self.by_key[key][code] = max(year, self.by_key[key].get(code, 0))
        self.names[code][year] = name
        self.see(code, year)

    def see(self, code: str, year: int) -> None:
        self.seen_year[code] = max(year, self.seen_year.get(code, 0))

    def conflicts(self) -> dict[str, dict[str, int]]:
        return {k: v for k, v in self.by_key.items() if len(v) > 1}

    def lookup(self, name: str) -> str | None:
        for key in (" ".join(name.strip().split()).casefold(), self.key(name)):
            codes = self.by_key.get(key)
            if codes:
                assert len(codes) == 1, f"ambiguous gemeente name {name!r}: {codes}"
                return next(iter(codes))
        return None

    def newest_name(self, code: str) -> str:
        years = self.names.get(code)
        if not years:
            return ""
        name = years[max(years)]
        name = name.removesuffix(self.SUFFIX)
        return name


def parse_statline_sections(path: Path) -> dict[str, list[list[str]]]:
    """Split a semicolon StatLine metadata export into its sections."""
    rows = read_rows(path, delimiter=";")
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for row in rows:
        cells = list(row)
        if cells and cells[0] and all(c == "" for c in cells[1:]) and re.match(r"^[A-Za-z]+$", cells[0]):
            current = cells[0]
            sections[current] = []
            continue
        if current is not None:
            sections[current].append(cells)
    return sections


def build_names(src: Path) -> GemeenteNames:
    names = GemeenteNames()
    sections = parse_statline_sections(src / "politie_47013NED_metadata_2025.csv")
    regio = sections["RegioS"]
    assert regio[0][:2] == ["Key", "Title"], regio[0]
    n_gm = 0
    for row in regio[1:]:
        key = row[0].strip()
        if key in PSEUDO_GEMEENTEN:
            assert row[1] == PSEUDO_GEMEENTEN[key], row[:2]
        elif key.startswith("GM"):
            names.add(row[1], key, 2025)
            n_gm += 1
    assert n_gm == 342, f"expected 342 real GM codes in 47013NED metadata, got {n_gm}"

    for row in read_csv(src / "cbs_kwb2022_gemeenten_nl_tmap.csv"):
        names.add(row["name"], row["code"], 2022)
    for row in read_csv(src / "cbs_kwb2019_gemeenten_bevolking_leeftijd.csv"):
        names.add(row["region"], row["unique_id"], 2019)
    for feat in load_geojson(src / "cbs_pdok_gemeenten_2023_kerncijfers_wgs84.geojson")["features"]:
        p = feat["properties"]
        names.add(p["gemeentenaam"], p["gemeentecode"], 2023)
    for feat in load_geojson(src / "cbs_83648NED_gemeenten_2022_misdrijven_wgs84.geojson")["features"]:
        p = feat["properties"]
        names.add(p["statnaam"], p["statcode"], 2022)

    conflicts = names.conflicts()
    assert not conflicts, f"gemeente names mapping to several codes: {conflicts}"

    # Gemeenten that had ended before 2019 are in none of the lists above: their names and
    # codes come from RvIG Tabel 33 (codes that ended in 2002 or later, names not yet known,
    # so a current name always keeps its current code).
    added = 0
    for row in read_csv(src / "rvig_tabel33_gemeententabel_2022.csv"):
        end = row["99.99 Datum einde"]
        name = row["92.11 Omschrijving"]
        if end and end >= "20020101" and names.lookup(name) is None:
            names.add(name, "GM" + row["92.10 Gemeentecode"], int(end[:4]) - 1)
            added += 1
    assert not names.conflicts(), names.conflicts()
    assert added > 150, added
    return names


# --------------------------------------------------------------------------- converters

ORIGIN_BERNASCO_A = (
    "bernasco/misdaad_concentratie @ 692dd32 (data/crime/data.csv; names/population @ 74d42eb)"
)


def conv_37230(src: Path, names: GemeenteNames, report: dict) -> Source:
    fname = "cbs_37230NED_bevolking_eind_jaar_regios_2002_2024.csv"
    rows = read_rows(src / fname, delimiter=";")
    header = next(r for r in rows if r and r[0] == "Regio's")
    years = header[3:]
    assert years[0] == "2002" and years[-1] == "2024", years
    source = Source(
        id="cbs-37230ned-inwoners-gemeenten-2003-2025",
        file="observations/cbs_37230ned_inwoners_gemeenten_2003_2025.csv",
        title="Bevolkingsontwikkeling; regio per maand (bevolking aan het einde van de periode)",
        publisher="CBS",
        attribution="Bron: CBS",
        table_id="37230NED",
        original_file=fname,
        origin="chels-j/NLViolentCrime @ 41c1886 (bevolkingeindeperiod_jaren_22122025.csv, StatLine export)",
        licence=CBS_LICENCE,
        status="definitief",
        notes="",
    )
    unmatched: list[str] = []
    n_regions = 0
    for row in rows[rows.index(header) + 1 :]:
        if len(row) < 4:
            continue  # footer "Bron: CBS"
        name = row[0].strip()
        assert row[1] == "Bevolking aan het einde van de periode", row[:3]
        if re.search(r"\((PV|LD)\)$", name):
            continue
        code = "NL01" if name == "Nederland" else names.lookup(name)
        if code is None:
            # only gemeenten that no longer existed on 1 Jan 2019 may lack a code
            late = [y for y, c in zip(years, row[3:], strict=True) if c.strip() and int(y) >= 2019]
            assert not late, f"37230NED: {name!r} has values for {late} but no GM code"
            unmatched.append(name)
            continue
        n_regions += 1
        for year, cell in zip(years, row[3:], strict=True):
            if cell.strip() == "":
                continue  # gemeente did not exist (yet / any more); not "withheld"
            # end of year Y == 1 January Y+1
            source.add(code, str(int(year) + 1), "inwoners", cell, "aantal")
            if code.startswith("GM"):
                names.see(code, int(year))
    unmatched.sort()
    report["37230NED unmatched gemeente names"] = unmatched
    source.notes = (
        "'Bevolking aan het einde van de periode' for year Y is stored as inwoners on 1 January, "
        "period Y+1. The figure refers to the territory of year Y, so a gemeente merged away on "
        "1 Jan Y+1 still gets a Y+1 row and a gemeente that absorbed others on 1 Jan Y+1 shows its "
        "old size (e.g. Purmerend 2022 = 81,537 before Beemster joined; KWB 2022 says 92,240). "
        "Codes that survive a merger therefore change territory over time (veiligstad sums the "
        "predecessors' populations for a merger year: engine.territory). Rows by region name were "
        "mapped to GM codes via CBS/Politie code lists of 2019/2022/2023/2025 and, for gemeenten "
        f"that ended before 2019, RvIG Tabel 33; {len(unmatched)} names have no code and were "
        "skipped. Provinces skipped; empty cells (gemeente did not exist) skipped."
    )
    return source


def conv_85984(src: Path) -> Source:
    fname = "cbs_85984NED_kwb2024_inwoners_per_buurt_nl.csv"
    source = Source(
        id="cbs-85984ned-inwoners-buurten-2024",
        file="observations/cbs_85984ned_inwoners_buurten_2024.csv",
        title="Kerncijfers wijken en buurten 2024 (aantal inwoners per buurt)",
        publisher="CBS",
        attribution="Bron: CBS",
        table_id="85984NED",
        original_file=fname,
        origin="bernasco/misdaad_concentratie @ 74d42eb (data/population/Population85984_2024.csv)",
        licence=CBS_LICENCE,
        status="definitief",
        notes=(
            "AantalInwoners_5 per buurt on 1 January 2024 (buurtindeling 2024); CBS rounds buurt "
            "populations to multiples of 5, so buurt sums differ slightly from gemeente totals."
        ),
    )
    for row in read_csv(src / fname):
        code = row["nhood_id"].strip()
        assert re.match(r"^BU\d{4}[0-9A-Z]{4}$", code), code
        source.add(code, "2024", "inwoners", row["population"], "aantal")
    return source


def conv_47013(src: Path, names: GemeenteNames, report: dict) -> Source:
    fname = "politie_47013NED_totaal_misdrijven_gemeenten_2022_2024.csv"
    source = Source(
        id="politie-47013ned-gemeenten-2022-2024",
        file="observations/politie_47013ned_gemeenten_2022_2024.csv",
        title="Geregistreerde misdrijven; soort misdrijf, gemeente (totaal misdrijven)",
        publisher="Politie",
        attribution="Bron: Politie / CBS",
        table_id="47013NED",
        original_file=fname,
        origin="Sophie-Thoolen/Group-1-7---Criminaliteit-en- @ 7a0c087 (StatLine export)",
        licence=POLITIE_LICENCE,
        status="definitief",
        notes=(
            "Total registered crimes (police classification 0.0.0, incl. attempts) per gemeente, "
            "gemeente-indeling 2025 for all years. Two StatLine exports merged by the collector; "
            "rows for Nederland, the regionale eenheden (no GM code) and the pseudo-gemeente GM0999 "
            "'Gemeenten; niet in te delen' (271/282/202 crimes not attributable to a gemeente) were "
            "skipped."
        ),
    )
    skipped = []
    for row in read_csv(src / fname):
        code = row["gm_code"].strip()
        if not code:
            skipped.append(row["gemeente"])
            continue
        if code in PSEUDO_GEMEENTEN:
            skipped.append(
                f"{code} {row['gemeente']} ({row['misdrijven_2022']}/{row['misdrijven_2023']}/{row['misdrijven_2024']})"
            )
            continue
        assert row["soort_misdrijf"].startswith("0.0.0"), row
        names.add(row["gemeente"], code, 2025)
        for year in ("2022", "2023", "2024"):
            source.add(code, year, "misdrijven:0.0.0", row[f"misdrijven_{year}"], "aantal")
    report["47013NED rows without gm_code or pseudo-gemeente (skipped)"] = sorted(skipped)
    assert any(s.startswith("GM0999 Gemeenten; niet in te delen (271/282/202)") for s in skipped), skipped
    return source


def conv_47018(src: Path) -> Source:
    fname = "politie_47018NED_maastricht_buurt_totaal_misdrijven_2023.csv"
    source = Source(
        id="politie-47018ned-maastricht-buurten-2023",
        file="observations/politie_47018ned_maastricht_buurten_2023.csv",
        title="Geregistreerde misdrijven; soort misdrijf, wijk, buurt, jaarcijfers (totaal, Maastricht)",
        publisher="Politie",
        attribution="Bron: Politie / CBS",
        table_id="47018NED",
        original_file=fname,
        origin=ORIGIN_BERNASCO_A,
        licence=POLITIE_LICENCE,
        status="definitief",
        notes=(
            "Total registered crimes 2023 for the 44 Maastricht buurten (buurtindeling 2024), copied "
            "by hand from the national file. Sum 7,781 vs gemeente total 7,840 in 47013NED (not all "
            "crimes can be located in a buurt). Table text (Aug 2024) says 2023 fireworks crimes "
            "were not yet final."
        ),
    )
    for row in read_csv(src / fname):
        assert row["soort_misdrijf"] == "0.0.0" and row["perioden"] == "2023JJ00", row
        source.add(
            row["bu_code"],
            "2023",
            "misdrijven:0.0.0",
            row["geregistreerde_misdrijven"],
            "aantal",
        )
    return source


def conv_83648_csv(src: Path, names: GemeenteNames, report: dict) -> Source:
    fname = "cbs_83648NED_totaal_misdrijven_gemeenten_2010_2020.csv"
    source = Source(
        id="cbs-83648ned-gemeenten-2010-2020",
        file="observations/cbs_83648ned_gemeenten_2010_2020.csv",
        title="Geregistreerde criminaliteit; soort misdrijf, regio (misdrijven, totaal)",
        publisher="CBS",
        attribution="Bron: CBS",
        table_id="83648NED",
        original_file=fname,
        origin="MarkYonan238/Dashboard-Misdrijven @ e3b8f9b (voorspelmodel.csv)",
        licence=CBS_LICENCE,
        status="definitief",
        notes="",
    )
    unmatched: set[str] = set()
    n_absent = 0
    for row in read_csv(src / fname):
        assert row["SoortMisdrijf"] == "Misdrijven, totaal", row
        total = float(row["TotaalGeregistreerdeMisdrijven_1"])
        share = float(row["GeregistreerdeMisdrijvenRelatief_2"])
        if total == 0 and share == 0:
            # The collector's export filled gemeente-years in which the gemeente did not
            # exist with 0.0 (Relatief is 100.0 for every real row). Not data: skip.
            n_absent += 1
            continue
        assert share == 100.0, row
        code = "NL01" if row["RegioS"].strip() == "Nederland" else names.lookup(row["RegioS"])
        year = row["Perioden"].strip()
        if code is None:
            assert int(year) < 2019, f"83648NED: {row['RegioS']!r} has {year} data but no GM code"
            unmatched.add(row["RegioS"])
            continue
        if code.startswith("GM"):
            names.see(code, int(year))
        source.add(code, year, "misdrijven-scm:T001161", total, "aantal")
        source.add(
            code,
            year,
            "opgehelderde-misdrijven-scm:T001161",
            row["TotaalOpgehelderdeMisdrijven_4"],
            "aantal",
        )
        source.add(
            code,
            year,
            "verdachten-scm:T001161",
            row["RegistratiesVanVerdachten_6"],
            "aantal",
        )
    report["83648NED (2010-2020) unmatched gemeente names"] = sorted(unmatched)
    report["83648NED (2010-2020) zero-filled non-existent gemeente-years skipped"] = n_absent
    source.notes = (
        "CBS crime classification (SCM, T001161 'Misdrijven, totaal'; not comparable with the "
        "police 0.0.0 code): registered crimes, cleared crimes and suspect registrations per "
        "gemeente (gemeente-indeling of each year; codes surviving a merger change territory) "
        f"plus Nederland (NL01). {n_absent} zero-filled rows for "
        f"years in which a gemeente did not exist were dropped; {len(unmatched)} names of "
        "gemeenten that no longer existed on 1 Jan 2019 have no GM code in the code lists used; "
        "their rows were skipped."
    )
    return source


def repair_geometry(geometry: dict) -> dict | None:
    """Return a valid polygonal version of an invalid geometry, or None when it is valid."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union
    from shapely.validation import make_valid

    geom = shape(geometry)
    if geom.is_valid:
        return None
    fixed = make_valid(geom)
    if fixed.geom_type == "GeometryCollection":
        fixed = unary_union([g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    assert fixed.geom_type in ("Polygon", "MultiPolygon") and fixed.is_valid, fixed.geom_type
    assert abs(fixed.area - geom.area) / geom.area < 0.05, "repair changed the area too much"
    return dict(mapping(fixed))


def conv_83648_geo(src: Path, report: dict) -> tuple[Source, list[dict]]:
    fname = "cbs_83648NED_gemeenten_2022_misdrijven_wgs84.geojson"
    data = load_geojson(src / fname)
    source = Source(
        id="cbs-83648ned-gemeenten-2022",
        file="observations/cbs_83648ned_gemeenten_2022.csv",
        title="Geregistreerde criminaliteit; soort misdrijf, regio (misdrijven, totaal, 2022)",
        publisher="CBS",
        attribution="Bron: CBS",
        table_id="83648NED",
        original_file=fname,
        origin="Matthijsvz88/Dashboard-crime-NL @ 02afa19 (data/dataframe.geojson)",
        licence=CBS_LICENCE,
        status="definitief",
        notes=(
            "2022 figures joined by the collector to gemeente boundaries 2022 (345 gemeenten incl. "
            "Weesp). Rate per 1,000 inhabitants as published by CBS. Status (voorlopig/definitief) "
            "of the 2022 figures is not recorded in the copy."
        ),
    )
    features = []
    repaired = []
    for feat in data["features"]:
        p = feat["properties"]
        code = p["statcode"].strip()
        fixed = repair_geometry(feat["geometry"])
        if fixed is not None:
            repaired.append(code)
            feat = {**feat, "geometry": fixed}
        assert p["rubriek"] == "gemeente" and p["jrstatcode"] == f"2022{code}", p
        source.add(
            code,
            "2022",
            "misdrijven-scm:T001161",
            p["Geregistreerde Misdrijven"],
            "aantal",
        )
        source.add(
            code,
            "2022",
            "cbs-misdrijven-per-1000-inwoners:T001161",
            p["Misdrijven Per 1000 Inw"],
            "per 1.000 inwoners",
        )
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": p["statnaam"],
                    "level": "gemeente",
                },
                "geometry": clean_geometry(feat["geometry"]),
            }
        )
    features.sort(key=lambda f: f["properties"]["code"])
    report["gemeenten_2022.geojson: invalid source geometries repaired (shapely make_valid)"] = repaired
    return source, features


VM_SLUGS = {
    "Rapportcijfer veiligheid woonbuurt (gemiddeld)": "rapportcijfer-veiligheid-buurt",
    "Rapportcijfer leefbaarheid woonbuurt (gemiddeld)": "rapportcijfer-leefbaarheid-buurt",
    "Voelt zich vaak onveilig in eigen buurt": "vaak-onveilig-buurt",
    "Voelt zich weleens onveilig (in Mariaberg)": "weleens-onveilig-buurt",
    "Slachtoffer woninginbraak (incl. poging)": "slachtoffer-woninginbraak",
    "Slachtoffer diefstal uit/vanaf auto": "slachtoffer-diefstal-uit-auto",
    "Slachtoffer autodiefstal": "slachtoffer-autodiefstal",
    "Slachtoffer fietsdiefstal": "slachtoffer-fietsdiefstal",
    "Slachtoffer zakkenrollerij en beroving (incl. poging)": "slachtoffer-zakkenrollerij-beroving",
    "Slachtoffer vandalisme totaal": "slachtoffer-vandalisme",
}


def conv_vm(src: Path) -> Source:
    fname = "maastricht_veiligheidsmonitor_2014_2019.csv"
    rows = read_csv(src / fname)
    urls = sorted({r["bron_url"] for r in rows})
    source = Source(
        id="maastricht-veiligheidsmonitor-2014-2019",
        file="observations/maastricht_veiligheidsmonitor_2014_2019.csv",
        title="Veiligheidsmonitor Maastricht 2014-2019 (selectie indicatoren)",
        publisher="Gemeente Maastricht",
        attribution="Bron: Veiligheidsmonitor, via Gemeente Maastricht (veiligheidmaastricht.nl) en mariaberg.eu",
        table_id=None,
        original_file=fname,
        origin="Transcribed from web pages: " + ", ".join(urls),
        licence=MAASTRICHT_WEB_LICENCE,
        status="definitief",
        notes=(
            "Survey figures (score 1-10 or % of residents) for GM0935 2014-2017, 2019 (no 2018 "
            "survey) and buurt Mariaberg 2017/2019 (vm:weleens-onveilig-buurt only there). The "
            "'victim of violent crime' row was cut off in the stored page and is missing. Sources: "
            + "; ".join(urls)
        ),
    )
    for row in rows:
        slug = VM_SLUGS[row["indicator_nl"]]  # KeyError = new indicator, fail loudly
        code = row["gebied"].split()[0]
        unit = {"score": "score", "%": "%"}[row["eenheid"]]
        source.add(code, row["jaar"], f"vm:{slug}", row["waarde"], unit)
    return source


def conv_iva(src: Path) -> tuple[Source, list[dict[str, str]]]:
    fname = "maastricht_politiecijfers_ivamaastricht_2014_2020h1.csv"
    source = Source(
        id="maastricht-iva-politieregistraties-2014-2020h1",
        file="observations/maastricht_iva_politieregistraties_2014_2020h1.csv",
        title="Integrale Veiligheidsanalyse Maastricht: politieregistraties 2014-2020H1",
        publisher="Gemeente Maastricht",
        attribution="Bron: Politie (BVH), via Integrale Veiligheidsanalyse Gemeente Maastricht",
        table_id=None,
        original_file=fname,
        origin=(
            "Transcribed from https://veiligheidmaastricht.nl/en_n113000.html (EN, incl. 2019 and "
            "2020H1) and https://www.veiligheidmaastricht.nl/n113000.html (NL labels)"
        ),
        licence=MAASTRICHT_WEB_LICENCE,
        status="definitief",
        notes=(
            "Police registrations (BVH) for the gemeente in the municipality's own categories "
            "(iva:<slug>, see iva_categories.csv; not police 47013NED codes). The '- Totaal' "
            "categories are sums of other categories (mishandeling-totaal = eenvoudige + zware + "
            "overige mishandeling + schiet-/vecht-/steekpartij + ruzie of twist (zonder vervolg)); "
            "do not add them up. 2020H1 = first half "
            "2020. An older NL page version has slightly different 2018 values (e.g. woning 423 "
            "vs 424); the later EN version was used."
        ),
    )
    categories: dict[str, dict[str, str]] = {}
    for row in read_csv(src / fname):
        measure = "iva:" + slugify(row["categorie_nl"])
        cat = {
            "measure": measure,
            "categorie_nl": row["categorie_nl"],
            "categorie_en": row["categorie_en"],
        }
        assert categories.setdefault(measure, cat) == cat, f"slug collision {measure}"
        period = row["periode"].strip()
        assert re.match(r"^\d{4}(H1)?$", period), period
        source.add(row["gm_code"], period, measure, row["aantal_registraties"], "aantal")
    v = {(r["measure"][4:], r["period"]): int(r["value"]) for r in source.rows}
    for period in {p for _, p in v}:
        parts_fiets = [
            "diefstal-fiets",
            "diefstal-fiets-met-geweld",
            "diefstal-brom-of-snorfiets",
            "diefstal-brom-of-snorfiets-met-geweld",
        ]
        parts_mish = [
            "eenvoudige-mishandeling",
            "zware-mishandeling",
            "overige-mishandeling",
            "schietpartij-zonder-vervolg",
            "vechtpartij-zonder-vervolg",
            "steekpartij-zonder-vervolg",
            "ruzie-of-twist-zonder-vervolg",
        ]
        assert v["diefstal-van-fietsen-en-brom-of-snorfietsen-totaal", period] == sum(
            v[c, period] for c in parts_fiets
        )
        assert v["mishandeling-totaal", period] == sum(v[c, period] for c in parts_mish), period
    return source, [categories[k] for k in sorted(categories)]


KWB_MEASURES = [
    # (tmap column, measure, unit, ndigits)
    ("area", "kwb:oppervlakte-km2", "km2", 2),
    ("pop_0_14", "kwb:pct-0-14", "%", 1),
    ("pop_15_24", "kwb:pct-15-24", "%", 1),
    ("pop_25_44", "kwb:pct-25-44", "%", 1),
    ("pop_45_64", "kwb:pct-45-64", "%", 1),
    ("pop_65plus", "kwb:pct-65-plus", "%", 1),
    ("dwelling_total", "kwb:woningen", "aantal", 0),
    ("dwelling_value", "kwb:woz-gemiddeld", "x1000 euro", 0),
    ("dwelling_ownership", "kwb:pct-koopwoningen", "%", 1),
    ("employment_rate", "kwb:arbeidsparticipatie-pct", "%", 1),
    ("income_low", "kwb:pct-inkomen-laag", "%", 1),
    ("income_high", "kwb:pct-inkomen-hoog", "%", 1),
    ("edu_appl_sci", "kwb:pct-hbo-wo", "%", 1),
]

KWB_ORIGIN = (
    "R package tmap 4.2 (cran/tmap @ 202b8f6, data/{rda}), from "
    "https://www.cbs.nl/nl-nl/maatwerk/2024/11/kerncijfers-wijken-en-buurten-2022"
)


def _kwb_rows(source: Source, row: dict[str, str], with_inwoners: bool) -> None:
    code = row["code"].strip()
    if with_inwoners:
        source.add(code, "2022", "inwoners", row["population"], "aantal")
    for col, measure, unit, nd in KWB_MEASURES:
        cell = row[col]
        value = "" if cell.strip() in ("", "NA", "nan") else round(float(cell), nd)
        source.add(code, "2022", measure, value, unit)


def conv_kwb_wijken(src: Path) -> Source:
    fname = "cbs_kwb2022_wijken_nl_tmap.csv"
    source = Source(
        id="cbs-kwb2022-wijken-maastricht",
        file="observations/cbs_kwb2022_wijken_maastricht.csv",
        title="Kerncijfers wijken en buurten 2022 (selectie), wijken Maastricht",
        publisher="CBS",
        attribution="Bron: CBS",
        table_id=None,
        original_file=fname,
        origin=KWB_ORIGIN.format(rda="NLD_dist.rda"),
        licence=CBS_LICENCE + " (tmap package itself GPL-3)",
        status="definitief",
        notes=(
            "Key figures 2022 as redistributed by tmap (NLD_dist): population 1 Jan 2022, rounded "
            "age shares, dwellings, mean WOZ, ownership, employment rate, income and education "
            "shares. Only the 7 Maastricht wijken (WK0935xx) are embedded; urbanity (text) skipped."
        ),
    )
    for row in read_csv(src / fname):
        if row["code"].startswith("WK0935"):
            _kwb_rows(source, row, with_inwoners=True)
    return source


def conv_kwb_gemeenten(src: Path, inwoners: Source, report: dict) -> Source:
    fname = "cbs_kwb2022_gemeenten_nl_tmap.csv"
    have_2022 = {
        r["area_code"] for r in inwoners.rows if r["period"] == "2022" and r["measure"] == "inwoners"
    }
    source = Source(
        id="cbs-kwb2022-gemeenten",
        file="observations/cbs_kwb2022_gemeenten.csv",
        title="Kerncijfers wijken en buurten 2022 (selectie), gemeenten",
        publisher="CBS",
        attribution="Bron: CBS",
        table_id=None,
        original_file=fname,
        origin=KWB_ORIGIN.format(rda="NLD_muni.rda"),
        licence=CBS_LICENCE + " (tmap package itself GPL-3)",
        status="definitief",
        notes="",
    )
    added, differs = [], []
    inw = {
        r["area_code"]: r["value"]
        for r in inwoners.rows
        if r["period"] == "2022" and r["measure"] == "inwoners"
    }
    for row in read_csv(src / fname):
        code = row["code"].strip()
        with_inw = code not in have_2022
        if with_inw:
            added.append(code)
        elif inw[code] != fmt(row["population"]):
            differs.append(f"{code}: 37230NED {inw[code]} vs tmap {row['population']}")
        _kwb_rows(source, row, with_inwoners=with_inw)
    report["KWB2022 gemeenten: inwoners written from tmap (absent in 37230NED)"] = added
    report["KWB2022 gemeenten: population differing from 37230NED (not written)"] = differs
    source.notes = (
        "Key figures 2022 for all 345 gemeenten (tmap NLD_muni); urbanity (text) skipped. "
        "Gemeente population is taken from 37230NED; inwoners is written here only for "
        f"gemeenten absent there ({len(added)})."
    )
    return source


# --------------------------------------------------------------------------- second session

#: CBS 83651NED SoortDiefstal codes. Where the CBS type is defined as one police crime type
#: (Politie 47013NED/47018NED classification) the figure is stored under that police code;
#: otherwise under its own CBS code (``misdrijven-scm:CRI11xx``), never under a police code
#: it only approximates. CRI1134 is home AND shed/garage burglary in one figure (police 1.1.1
#: + 1.1.2): it must not feed ``diefstallen-uit-woning`` (1.1.1 only); CRI1125/CRI1128 are
#: passenger cars only (police 1.2.2/1.2.1: all motor vehicles); CRI1122 is bicycles only
#: (police 1.2.3: bicycles and mopeds).
DIEFSTAL_CODES: dict[str, tuple[str, str]] = {
    # code: (label in the source, measure)
    "CRI1122": ("Diefstal van fiets", "misdrijven-scm:CRI1122"),
    "CRI1123": ("Diefstal van bromfiets/snorfiets", "misdrijven-scm:CRI1123"),
    "CRI1124": ("Diefstal van motor/scooter", "misdrijven-scm:CRI1124"),
    "CRI1125": ("Diefstal van personenauto", "misdrijven-scm:CRI1125"),
    "CRI1127": ("Diefstal van vaartuig", "misdrijven-scm:CRI1127"),
    "CRI1128": ("Diefstal uit/vanaf personenauto", "misdrijven-scm:CRI1128"),
    "CRI1131": ("Diefstal van dier", "misdrijven-scm:CRI1131"),
    "CRI1132": ("Straatroof", "misdrijven:1.4.6"),
    "CRI1133": ("Zakkenrollerij", "misdrijven:1.2.4"),
    "CRI1134": ("Totaal diefstal uit woning/schuur/e.d.", "misdrijven-scm:CRI1134"),
    "CRI1137": ("Winkeldiefstal", "misdrijven:2.5.2"),
    "CRI1144": ("Overval", "misdrijven:1.4.7"),
}
ALLE_DIEFSTALLEN = "T001540"
IVA_MAPPING = REPO / "src" / "veiligstad" / "data" / "mappings" / "iva-maastricht.yaml"

#: (CBS 83651NED types, IVA categories) compared for Maastricht 2018 and 2019 (PROVENANCE.md).
IVA_CHECKS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("CRI1122",), ("diefstal-fiets", "diefstal-fiets-met-geweld")),
    (("CRI1123",), ("diefstal-brom-of-snorfiets", "diefstal-brom-of-snorfiets-met-geweld")),
    (("CRI1128",), ("diefstal-uit-of-vanaf-motorvoertuigen",)),
    (
        ("CRI1134",),
        ("diefstal-uit-of-inbraak-in-woning", "diefstal-uit-of-inbraak-in-box-garage-schuur-of-tuin"),
    ),
    (("CRI1132",), ("straatroof",)),
    (("CRI1133",), ("zakkenrollerij",)),
    (("CRI1144",), ("overval-in-woning", "overval-in-bedrijven")),
]


def within_rounding(a: float, b: float) -> bool:
    """CBS rounds counts to multiples of 5: equal within 5, or within 5% for larger counts."""
    return abs(a - b) <= max(5.0, 0.05 * max(a, b))


def iva_police_codes() -> set[str]:
    """The police codes the IVA mapping derives for Maastricht (data/mappings)."""
    rules = yaml.safe_load(IVA_MAPPING.read_text(encoding="utf-8"))["rules"]
    return {rule["code"] for rule in rules}


def conv_83651(src: Path, names: GemeenteNames, iva: Source, report: dict) -> Source:
    fname = "cbs_83651NED_diefstallen_soort_gemeenten_2018_2021.csv"
    source = Source(
        id="cbs-83651ned-diefstallen-gemeenten-2018-2021",
        file="observations/cbs_83651ned_diefstallen_gemeenten_2018_2021.csv",
        title="Geregistreerde diefstallen; diefstallen en verdachten, regio (soort diefstal, gemeenten)",
        publisher="CBS",
        attribution="Bron: CBS",
        table_id="83651NED",
        original_file=fname,
        origin="BrendaLoznik/CBSTheftNetherlands @ ffb068b (data/cbs_diefstallen.csv, OData download April 2022)",
        licence=CBS_LICENCE,
        status="definitief",
        notes="",
    )
    # Maastricht has its own police registrations for these years (IVA, mapped to police codes
    # at load time): where both give a police code for the same year, the CBS figure is kept
    # under its CBS code so that no figure is stored twice under one measure.
    iva_years = {r["period"] for r in iva.rows if re.match(r"^\d{4}$", r["period"])}
    iva_codes = iva_police_codes()
    kept_apart: list[str] = []
    pseudo = 0
    unnamed: set[str] = set()
    for row in read_csv(src / fname):
        if row["gebruik_van_geweld_code"] != ALLE_DIEFSTALLEN:
            continue  # met/zonder geweld: the total is embedded, not the split
        code = row["gm_code"].strip()
        label, measure = DIEFSTAL_CODES[row["soort_diefstal_code"]]  # KeyError: new type, fail loudly
        assert row["soort_diefstal"] == label, row
        period = row["perioden"].strip()
        assert re.match(r"^\d{4}JJ00$", period), period
        year = period[:4]
        if code == "GM0000":
            pseudo += 1  # 'Onbekend': thefts not attributable to a gemeente
            continue
        if code not in names.names:
            unnamed.add(code)
        names.see(code, int(year))
        if code == MAASTRICHT and year in iva_years and measure in iva_codes:
            kept_apart.append(f"{year} {measure}")
            measure = "misdrijven-scm:" + row["soort_diefstal_code"]
        status = "voorlopig" if year == "2021" else ""
        source.add(code, year, measure, row["geregistreerde_diefstallen"], "aantal", status)
    report["83651NED gemeente codes without a known name"] = sorted(unnamed)
    report["83651NED Maastricht figures kept under their CBS code (IVA has the police code)"] = sorted(
        kept_apart
    )
    police = sorted({m for _, m in DIEFSTAL_CODES.values() if m.startswith("misdrijven:")})
    source.notes = (
        "Registered thefts per type and gemeente (gemeente-indeling of each year), all thefts "
        "(T001540, with and without violence; the split is not embedded). CBS types that are one "
        "police crime type are stored under the police code: CRI1137 Winkeldiefstal = "
        "misdrijven:2.5.2, CRI1133 Zakkenrollerij = 1.2.4, CRI1132 Straatroof = 1.4.6, CRI1144 "
        f"Overval = 1.4.7 ({', '.join(police)}). The other types keep their CBS code "
        "(misdrijven-scm:CRI11xx) because they only approximate a police code: CRI1134 is "
        "burglary of homes AND sheds/garages in one figure (police 1.1.1 + 1.1.2; not usable "
        "for 'diefstallen uit woning'), CRI1125/CRI1128 are passenger cars only (police 1.2.2/"
        "1.2.1: all motor vehicles), CRI1122 bicycles and CRI1123 mopeds separately (police "
        "1.2.3: both). For Maastricht in the years of the municipality's own police "
        "registrations (IVA, 2018-2019) the straatroof/zakkenrollerij/overval figures are kept "
        "under their CBS code, so each figure is stored once; they agree with the IVA within "
        "CBS rounding. CBS rounds counts to multiples of 5. The CRI labels are not in the "
        "downloaded file; they were inferred from a 2017 metadata export and checked against the "
        "IVA figures (PROVENANCE.md). Downloaded April 2022: 2021 marked voorlopig (2020 may "
        f"also have been revised later). {pseudo} rows of GM0000 'Onbekend' skipped; empty "
        "cells (type or gemeente not existing) were dropped by the collector."
    )
    return source


HOOFDGROEPEN = {
    "Misdrijven, totaal": "T001161",
    "1 Vermogensmisdrijven": "CRI1000",
    "2 Vernielingen, misdr.openb.orde/gezag": "CRI2000",
    "3 Gewelds- en seksuele misdrijven": "CRI3000",
    "4 Misdrijven WvSr (overig)": "CRI4000",
    "5 Verkeersmisdrijven": "CRI5000",
    "6 Drugsmisdrijven": "CRI6000",
    "7 (Vuur)wapenmisdrijven": "CRI7000",
    "9 Misdrijven overige wetten": "CRI9000",
}


def conv_83648_groups(src: Path, names: GemeenteNames, totals: Source, report: dict) -> Source:
    fname = "cbs_83648NED_misdrijven_gemeenten_hoofdgroep_2013_2017.csv"
    source = Source(
        id="cbs-83648ned-gemeenten-hoofdgroepen-2013-2017",
        file="observations/cbs_83648ned_gemeenten_hoofdgroepen_2013_2017.csv",
        title="Geregistreerde criminaliteit; soort misdrijf, regio (hoofdgroepen, gemeenten)",
        publisher="CBS",
        attribution="Bron: CBS",
        table_id="83648NED",
        original_file=fname,
        origin="BramblePie/FlaskReact @ 2b7e14e (raw-data/Veiligheid.csv, StatLine export)",
        licence=CBS_LICENCE,
        status="definitief",
        notes="",
    )
    known = {
        (r["area_code"], r["period"]): r["value"]
        for r in totals.rows
        if r["measure"] == "misdrijven-scm:T001161"
    }
    unmatched: set[str] = set()
    same = 0
    written_totals = 0
    groups: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in read_csv(src / fname):
        key = HOOFDGROEPEN[row["soort_misdrijf"]]  # KeyError: unknown group, fail loudly
        cell = row["geregistreerde_misdrijven"].strip()
        if cell == "":
            continue  # gemeente did not exist that year
        year = row["perioden"].strip()
        code = names.lookup(row["gemeente"])
        if code is None:
            unmatched.add(row["gemeente"])
            continue
        names.see(code, int(year))
        groups[(code, year)][key] = int(cell)
        if key == "T001161" and (code, year) in known:
            # same measure, same gemeente-year as cbs-83648ned-gemeenten-2010-2020: not written twice
            assert known[(code, year)] == fmt(cell), (code, year, known[(code, year)], cell)
            same += 1
            continue
        written_totals += key == "T001161"
        source.add(code, year, f"misdrijven-scm:{key}", cell, "aantal")
    worst = max(abs(sum(v for k, v in g.items() if k != "T001161") - g["T001161"]) for g in groups.values())
    assert worst <= 20, f"83648NED groups do not add up to the total (max difference {worst})"
    assert same > 1500, same
    report["83648NED hoofdgroepen: unmatched gemeente names (skipped)"] = sorted(unmatched)
    report["83648NED hoofdgroepen: totals identical to the 2010-2020 file (not written twice)"] = same
    report["83648NED hoofdgroepen: totals written (gemeente-years absent from the 2010-2020 file)"] = (
        written_totals
    )
    source.notes = (
        "The 8 main groups of the CBS crime classification (SCM) per gemeente, 2013-2017 "
        "(gemeente-indeling of each year): CRI1000 vermogensmisdrijven, CRI2000 vernielingen/"
        "openbare orde, CRI3000 gewelds- en seksuele misdrijven, CRI4000 WvSr overig, CRI5000 "
        "verkeer, CRI6000 drugs, CRI7000 (vuur)wapens, CRI9000 overige wetten. The source names "
        "gemeenten only; names were mapped to GM codes via CBS/Politie code lists and RvIG "
        f"Tabel 33 ({len(unmatched)} names without a code skipped"
        + (f": {', '.join(sorted(unmatched))}" if unmatched else "")
        + "). The total (T001161) is written only for the "
        f"{written_totals} gemeente-years absent from cbs-83648ned-gemeenten-2010-2020; the other "
        f"{same} totals are identical there and are not stored twice. The groups add up to the "
        f"total within CBS rounding (max difference {worst})."
    )
    return source


def conv_kwb_buurten_2023(src: Path, buurt_2024: Source) -> Source:
    fname = "cbs_kwb_maastricht_buurten_inwoners_2023_2024.csv"
    source = Source(
        id="cbs-85618ned-inwoners-buurten-maastricht-2023",
        file="observations/cbs_85618ned_inwoners_buurten_maastricht_2023.csv",
        title="Kerncijfers wijken en buurten 2023 (aantal inwoners per buurt, Maastricht)",
        publisher="CBS",
        attribution="Bron: CBS",
        table_id="85618NED",
        original_file=fname,
        origin="bernasco/misdaad_concentratie @ 692dd32 (data/population/Population85618_2023.csv)",
        licence=CBS_LICENCE,
        status="definitief",
        notes=(
            "AantalInwoners_5 on 1 January 2023 for the 44 Maastricht buurten (buurtindeling 2023 "
            "= 2024), so that 2023 buurt rates use the population of their own year. Rounded by "
            "CBS to multiples of 5 (sum 122,710 vs 122,734 for the gemeente in 37230NED). The "
            "file's 2024 rows equal 85984NED and are not stored twice."
        ),
    )
    y2024 = {r["area_code"]: r["value"] for r in buurt_2024.rows}
    for row in read_csv(src / fname):
        code = row["bu_code"].strip()
        assert code.startswith("BU0935") and row["gm_code"] == MAASTRICHT, row
        if row["jaar"] == "2024":
            assert row["peildatum"] == "2024-01-01" and y2024[code] == fmt(row["aantal_inwoners"]), row
            continue
        assert row["jaar"] == "2023" and row["peildatum"] == "2023-01-01", row
        assert row["cbs_tabel"] == "85618NED", row
        source.add(code, "2023", "inwoners", row["aantal_inwoners"], "aantal")
    assert len(source.rows) == 44
    assert sum(int(r["value"]) for r in source.rows) == 122710
    return source


#: Politie 47021NED nuisance codes used by the catalogue's 'schaalscore overlast' (the MJP's
#: verward gedrag, zwervers, jeugd and drugs). Other codes are not embedded: no indicator uses them.
OVERLAST_CODES = {
    "E33": ("Overlast door verward persoon", "overlast:E33"),
    "E35": ("Melding overlast jeugd", "overlast:E35"),
    "E38": ("Overlast ivm alcohol/ drugs", "overlast:E38"),
    "E41": ("Overlast zwervers", "overlast:E41"),
}


def conv_47021(src: Path) -> Source:
    fname = "politie_47021NED_nl_overlast_per_soort_jaar_2012_2023.csv"
    source = Source(
        id="politie-47021ned-overlast-nederland-2012-2023",
        file="observations/politie_47021ned_overlast_nederland_2012_2023.csv",
        title="Registraties overlast; soort overlast, regio (Nederland, jaarcijfers)",
        publisher="Politie",
        attribution="Bron: Politie / CBS",
        table_id="47021NED",
        original_file=fname,
        origin=(
            "bernasco/staat_van_de_misdaad @ 5f16319 (data/NL_Disorder.csv; cbs_get_data 47021NED, "
            "RegioS NL01)"
        ),
        licence=POLITIE_LICENCE,
        status="definitief",
        notes=(
            "Registered nuisance incidents for Nederland (NL01) only, the four types of the "
            "'schaalscore overlast', stored under the police incident codes as 47024NED names them "
            "(overlast:E33 verward persoon, overlast:E35 jeugd, overlast:E38 alcohol/drugs; the MJP "
            "says 'drugsoverlast', overlast:E41 zwervers). A national reference only: no gemeente figures "
            "were available. The other types (openbare dronkenschap, geluidshinder) and the total "
            "are not embedded; all 8 types add up exactly to the total each year. 2023 was "
            "downloaded in January 2024: marked voorlopig."
        ),
    )
    by_year: dict[str, dict[str, int]] = defaultdict(dict)
    for row in read_csv(src / fname):
        assert row["regio"] == "NL01", row
        period = row["perioden"].strip()
        assert re.match(r"^\d{4}JJ00$", period), period
        year = period[:4]
        by_year[year][row["overlast_code"]] = int(row["geregistreerde_overlast"])
        if row["overlast_code"] in OVERLAST_CODES:
            label, measure = OVERLAST_CODES[row["overlast_code"]]
            assert row["overlast_soort"] == label, row
            status = "voorlopig" if year == "2023" else ""
            source.add("NL01", year, measure, row["geregistreerde_overlast"], "aantal", status)
    for year, codes in by_year.items():
        assert sum(v for k, v in codes.items() if k != "0.0.0") == codes["0.0.0"], year
    assert len(source.rows) == 4 * 12
    return source


# --------------------------------------------------------------------------- areas


def build_areas(
    src: Path,
    names: GemeenteNames,
    sources: list[Source],
    buurt_source: Source,
    report: dict,
) -> list[dict[str, str]]:
    areas: dict[str, dict[str, str]] = {}

    def put(
        code: str,
        name: str,
        level: str,
        wijk: str = "",
        sd: str = "",
        gm: str = "",
        year: object = "",
    ) -> None:
        assert code not in areas, f"duplicate area {code}"
        areas[code] = {
            "code": code,
            "name": name,
            "level": level,
            "wijk_code": wijk,
            "stadsdeel_code": sd,
            "gemeente_code": gm,
            "boundary_year": str(year),
        }

    put("NL01", "Nederland", "land")

    # buurten 2024 define gemeente codes seen in 2024
    for row in buurt_source.rows:
        names.see("GM" + row["area_code"][2:6], 2024)

    obs_codes = {r["area_code"] for s in sources for r in s.rows}
    gm_codes = {c for c in obs_codes if c.startswith("GM")}
    for code in sorted(gm_codes):
        put(
            code,
            names.newest_name(code),
            "gemeente",
            gm=code,
            year=names.seen_year[code],
        )

    # Maastricht: wijken, buurten, stadsdelen
    regio = read_csv(src / "politie_47018NED_regiocodes_maastricht.csv")
    titles = {r["Key"].strip(): r["Title"].strip() for r in regio}
    gebied = read_csv(src / "maastricht_buurten_gebiedsindeling.csv")
    assert len(gebied) == 44
    for name in STADSDELEN:
        put(STADSDEEL_CODE[name], name, "stadsdeel", gm=MAASTRICHT, year=2022)
    mstr_wijken = sorted(k for k in titles if k.startswith("WK"))
    assert len(mstr_wijken) == 7, mstr_wijken
    for code in mstr_wijken:
        put(code, titles[code], "wijk", gm=MAASTRICHT, year=2024)
    for row in gebied:
        bu = row["bu_code"].strip()
        assert titles[bu] == row["bu_naam"], (bu, titles[bu], row["bu_naam"])
        assert row["wk_code"] == "WK" + bu[2:8] and row["gm_code"] == MAASTRICHT, row
        put(
            bu,
            row["bu_naam"],
            "buurt",
            wijk=row["wk_code"],
            sd=STADSDEEL_CODE[row["stadsdeel_2022"]],
            gm=MAASTRICHT,
            year=2024,
        )

    # all other buurten of 2024
    wijk_names = {
        r["code"].strip(): r["name"].strip() for r in read_csv(src / "cbs_kwb2022_wijken_nl_tmap.csv")
    }
    missing_gm = []
    for row in buurt_source.rows:
        bu = row["area_code"]
        wk, gm = "WK" + bu[2:8], "GM" + bu[2:6]
        if bu not in areas:
            put(bu, "", "buurt", wijk=wk, gm=gm, year=2024)
        if wk not in areas:
            put(wk, wijk_names.get(wk, ""), "wijk", gm=gm, year=2024)
        if gm not in areas:
            missing_gm.append(gm)
            put(
                gm,
                names.newest_name(gm),
                "gemeente",
                gm=gm,
                year=names.seen_year.get(gm, 2024),
            )
    report["gemeenten added to areas only because of 2024 buurten"] = sorted(missing_gm)

    # every observation area must be registered
    missing = sorted(obs_codes - set(areas))
    assert not missing, f"observation area codes without area row: {missing[:20]}"
    no_name = sorted(c for c, a in areas.items() if a["level"] == "gemeente" and not a["name"])
    report["gemeente area rows without a name"] = no_name

    mstr = [a for a in areas.values() if a["gemeente_code"] == MAASTRICHT]

    def count(level: str) -> int:
        return sum(1 for a in mstr if a["level"] == level)

    assert (count("wijk"), count("buurt"), count("stadsdeel")) == (7, 44, 7), (
        count("wijk"),
        count("buurt"),
    )
    for a in areas.values():
        if a["level"] == "buurt":
            assert areas[a["gemeente_code"]]["level"] == "gemeente", a
            assert areas[a["wijk_code"]]["level"] == "wijk", a
    return sorted(areas.values(), key=lambda a: (LEVEL_ORDER[a["level"]], a["code"]))


def build_maastricht_geojson(src: Path, areas: list[dict[str, str]]) -> dict:
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    by_code = {a["code"]: a for a in areas}
    features: list[dict] = []

    def feature(code: str, level: str, geometry: dict, geometry_source: str) -> None:
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": by_code[code]["name"],
                    "level": level,
                    "geometry_source": geometry_source,
                },
                "geometry": clean_geometry(geometry),
            }
        )

    gm = [
        f
        for f in load_geojson(src / "cbs_pdok_gemeenten_2023_kerncijfers_wgs84.geojson")["features"]
        if f["properties"]["gemeentecode"] == MAASTRICHT
    ]
    assert len(gm) == 1
    feature(
        MAASTRICHT,
        "gemeente",
        gm[0]["geometry"],
        "CBS/PDOK gemeentegrenzen 2023, vereenvoudigd (stdekker/open-data-maps)",
    )

    wijken = load_geojson(src / "cbs_wijken_2022_maastricht_wgs84.geojson")["features"]
    assert len(wijken) == 7
    for f in wijken:
        feature(
            f["properties"]["code"],
            "wijk",
            f["geometry"],
            "CBS wijkgrenzen 2022, vereenvoudigd (R-pakket tmap, NLD_dist)",
        )

    buurten = load_geojson(src / "maastricht_buurten_wgs84.geojson")["features"]
    assert len(buurten) == 44
    parts: dict[str, list] = defaultdict(list)
    for f in buurten:
        code = f["properties"]["bu_code"]
        sd = by_code[code]["stadsdeel_code"]
        assert sd == STADSDEEL_CODE[f["properties"]["stadsdeel_2022"]], code
        feature(
            code,
            "buurt",
            f["geometry"],
            "Buurtkaart vereenvoudigd (ADC-laurent-smeets/DB), vermoedelijk CBS/PDOK",
        )
        parts[sd].append(shape(f["geometry"]).buffer(0))
    assert sorted(parts) == sorted(STADSDEEL_CODE.values())
    for sd in sorted(parts):
        union = unary_union(parts[sd])
        assert union.geom_type in ("Polygon", "MultiPolygon"), union.geom_type
        feature(
            sd,
            "stadsdeel",
            mapping(union),
            "Vereniging (shapely union) van de buurten van het stadsdeel",
        )

    features.sort(key=lambda f: (LEVEL_ORDER[f["properties"]["level"]], f["properties"]["code"]))
    return {"type": "FeatureCollection", "features": features}


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- main


#: Dissolved gemeenten that were split over several successors, while RvIG Tabel 33 (and so
#: the mergers file) names one successor each (PROVENANCE.md, section E, caveat 2). Their
#: successor's territory in the merger year is an approximation, and so is that of the
#: gemeenten that received the other parts (codes as in the later tables). The list is the
#: one the provenance notes name; it may not be complete.
SPLIT_UPS = {
    "GM0055": ("Boarnsterhim", "GM0074 GM1940 GM1900"),  # Heerenveen, De Friese Meren, Súdwest-Fryslân
    "GM0140": ("Littenseradiel", "GM0080 GM1949"),  # Leeuwarden, Waadhoeke
    "GM0053": ("Winsum", "GM1969"),  # Westerkwartier
    "GM0788": ("Haaren", "GM0757 GM0855 GM0865"),  # Boxtel, Tilburg, Vught
}


#: How far (relative) the successor's population at the end of the merger year may lie from
#: the sum of its predecessors' on 1 January before the merger is marked approximate.
MERGER_POPULATION_TOLERANCE = 0.03


def merger_check(rows: list[dict[str, str]], inwoners: Source) -> dict[tuple[str, str], str]:
    """Mergers whose predecessors' populations do not add up to the successor's a year later.

    A difference of more than 3% points at a boundary change the register does not list (a
    split-up reduced to one successor, a part of another gemeente) or at unusual growth; the
    sum is then marked approximate, with the figures in the note.
    """
    population = {(r["area_code"], int(r["period"])): float(r["value"]) for r in inwoners.rows}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    existed: dict[tuple[str, str], bool] = {}
    for row in rows:
        key = (row["datum"], row["gm_code_nieuw"])
        groups[key].append(row["gm_code_oud"])
        existed[key] = not row["nieuw_datum_ingang"] or row["nieuw_datum_ingang"] < row["datum"]
    notes = {}
    for (date, successor), absorbed in groups.items():
        year = int(date[:4])
        if not date.endswith("-01-01"):
            continue
        codes = ([successor] if existed[(date, successor)] else []) + absorbed
        parts = [population.get((code, year)) for code in codes]
        later = population.get((successor, year + 1))
        if later is None or any(p is None for p in parts):
            continue
        total = sum(p for p in parts if p is not None)
        if abs(later / total - 1) > MERGER_POPULATION_TOLERANCE:
            notes[(date, successor)] = (
                f"som voorgangers 1-1-{year}: {total:.0f}; {successor} 1-1-{year + 1}: {later:.0f}"
            )
    return notes


def conv_mergers(src: Path, inwoners: Source, report: dict) -> list[dict[str, str]]:
    """The municipal mergers 2000-2025, with the known split-ups and failed checks marked."""
    rows = read_csv(src / "gemeentelijke_herindelingen_2000_2025.csv")
    checks = merger_check(rows, inwoners)
    report["mergers whose predecessors do not add up (marked approximate)"] = [
        f"{successor} {date}: {note}" for (date, successor), note in sorted(checks.items())
    ]
    out = []
    for row in rows:
        name, also = SPLIT_UPS.get(row["gm_code_oud"], ("", ""))
        assert name in ("", row["gemeente_oud"]), (row, name)
        out.append(
            {
                "datum": row["datum"],
                "gm_code_nieuw": row["gm_code_nieuw"],
                "gemeente_nieuw": row["gemeente_nieuw"],
                "gm_code_oud": row["gm_code_oud"],
                "gemeente_oud": row["gemeente_oud"],
                "nieuw_bestond_al": "ja"
                if not row["nieuw_datum_ingang"] or row["nieuw_datum_ingang"] < row["datum"]
                else "nee",
                "deels_ook_naar": also,
                "controle": checks.get((row["datum"], row["gm_code_nieuw"]), ""),
                "bron": row["bron"],
            }
        )
    assert sum(1 for r in out if r["deels_ook_naar"]) == len(SPLIT_UPS)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help="raw data directory (read-only)",
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="embedded data directory (output)")
    args = ap.parse_args(argv)
    src: Path = args.source
    out: Path = args.out
    assert (src / "PROVENANCE.md").exists(), f"{src} does not look like the raw data directory"

    report: dict[str, object] = {}
    names = build_names(src)

    inwoners = conv_37230(src, names, report)
    buurt_inw = conv_85984(src)
    p47013 = conv_47013(src, names, report)
    p47018 = conv_47018(src)
    c83648 = conv_83648_csv(src, names, report)
    c83648_geo, gemeenten_2022 = conv_83648_geo(src, report)
    vm = conv_vm(src)
    iva, iva_categories = conv_iva(src)
    kwb_wk = conv_kwb_wijken(src)
    kwb_gm = conv_kwb_gemeenten(src, inwoners, report)
    c83648_groups = conv_83648_groups(src, names, c83648, report)
    c83651 = conv_83651(src, names, iva, report)
    buurt_inw_2023 = conv_kwb_buurten_2023(src, buurt_inw)
    p47021 = conv_47021(src)
    sources = [
        inwoners,
        buurt_inw,
        p47013,
        p47018,
        c83648,
        c83648_geo,
        vm,
        iva,
        kwb_wk,
        kwb_gm,
        # second research session (PROVENANCE.md, section E); loaded after the IVA
        c83648_groups,
        c83651,
        buurt_inw_2023,
        p47021,
    ]
    assert len({s.id for s in sources}) == len(sources) and len({s.file for s in sources}) == len(sources)
    for s in sources:
        check_and_sort(s)

    # ---- sanity checks on known published figures
    def value(source: Source, area: str, period: str, measure: str) -> str:
        hits = [
            r["value"]
            for r in source.rows
            if (r["area_code"], r["period"], r["measure"]) == (area, period, measure)
        ]
        assert len(hits) == 1, (source.id, area, period, measure, hits)
        return hits[0]

    assert value(inwoners, MAASTRICHT, "2025", "inwoners") == "125563"
    assert value(inwoners, MAASTRICHT, "2022", "inwoners") == "121151"
    assert sum(int(r["value"]) for r in p47018.rows) == 7781
    assert len(p47018.rows) == 44
    assert value(p47013, MAASTRICHT, "2023", "misdrijven:0.0.0") == "7840"
    assert value(p47013, MAASTRICHT, "2022", "misdrijven:0.0.0") == "7966"
    assert value(p47013, MAASTRICHT, "2024", "misdrijven:0.0.0") == "8318"
    assert value(c83648, MAASTRICHT, "2010", "misdrijven-scm:T001161") == "14725"
    assert value(c83648, MAASTRICHT, "2020", "misdrijven-scm:T001161") == "6840"
    assert value(c83648_geo, MAASTRICHT, "2022", "misdrijven-scm:T001161") == "7980"
    assert value(c83648_geo, MAASTRICHT, "2022", "cbs-misdrijven-per-1000-inwoners:T001161") == "65.9"
    assert len(buurt_inw.rows) == 14574
    assert value(kwb_wk, "WK093500", "2022", "inwoners") == "20235"
    assert len(vm.rows) == 49 and len(iva.rows) == 161
    # 83651NED (seed: winkeldiefstallen per 1,000 are computed from these and 37230NED)
    for year, count in {"2018": "380", "2019": "415", "2020": "290", "2021": "270"}.items():
        assert value(c83651, MAASTRICHT, year, "misdrijven:2.5.2") == count
    assert value(c83648_groups, MAASTRICHT, "2017", "misdrijven-scm:CRI3000") == "785"
    assert value(p47021, "NL01", "2023", "overlast:E33")
    # CBS 83651NED against the IVA police registrations, Maastricht 2018 and 2019
    iva_v = {(r["period"], r["measure"]): int(r["value"]) for r in iva.rows}
    for year in ("2018", "2019"):
        for cbs_codes, iva_cats in IVA_CHECKS:
            cbs_sum = sum(
                int(r["value"])
                for r in c83651.rows
                if r["area_code"] == MAASTRICHT
                and r["period"] == year
                and r["measure"]
                in {DIEFSTAL_CODES[c][1] for c in cbs_codes} | {f"misdrijven-scm:{c}" for c in cbs_codes}
            )
            iva_sum = sum(iva_v[(year, f"iva:{c}")] for c in iva_cats)
            assert within_rounding(cbs_sum, iva_sum), (year, cbs_codes, cbs_sum, iva_sum)
    assert not (
        {(r["area_code"], r["period"]) for r in kwb_gm.rows if r["measure"] == "inwoners"}
        & {(r["area_code"], r["period"]) for r in inwoners.rows}
    ), "gemeente inwoners 2022 written twice"

    areas = build_areas(src, names, sources, buurt_inw, report)
    mergers = conv_mergers(src, inwoners, report)
    assert len(mergers) == 265
    mgeo = build_maastricht_geojson(src, areas)
    assert len(mgeo["features"]) == 1 + 7 + 7 + 44

    # ---- write (observations/ and areas/ are fully owned by this script)
    for sub in ("observations", "areas"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    for s in sources:
        write_csv(out / s.file, OBS_HEADER, s.rows)
    write_csv(
        out / "iva_categories.csv",
        ["measure", "categorie_nl", "categorie_en"],
        iva_categories,
    )
    write_csv(out / "areas" / "areas.csv", AREA_HEADER, areas)
    write_csv(out / "areas" / "mergers.csv", list(mergers[0]), mergers)
    write_json(out / "areas" / "maastricht.geojson", mgeo)
    write_json(
        out / "areas" / "gemeenten_2022.geojson",
        {"type": "FeatureCollection", "features": gemeenten_2022},
    )
    manifest = {"sources": [s.manifest() for s in sources]}
    (out / "sources.yaml").write_text(
        "# Generated by scripts/prepare_embedded_data.py - do not edit by hand.\n"
        + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )

    # ---- summary
    print("Observation files:")
    for s in sources:
        measures = sorted({r["measure"] for r in s.rows})
        print(f"  {s.file}: {len(s.rows)} rows; measures: {', '.join(measures)}")
    print(f"  iva_categories.csv: {len(iva_categories)} rows")
    levels = defaultdict(int)
    for a in areas:
        levels[a["level"]] += 1
    print(f"  areas/areas.csv: {len(areas)} rows {dict(levels)}")
    print(f"  areas/maastricht.geojson: {len(mgeo['features'])} features")
    print(f"  areas/gemeenten_2022.geojson: {len(gemeenten_2022)} features")
    for key, val in report.items():
        if isinstance(val, list):
            print(f"{key}: {len(val)}")
            for item in val:
                print(f"    {item}")
        else:
            print(f"{key}: {val}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
