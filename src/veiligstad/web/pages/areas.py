# SPDX-License-Identifier: EUPL-1.2
"""Gebieden: the programme municipality's areas, and a profile for any area of the Netherlands.

``/gebieden`` lists the gemeente, its stadsdelen, wijken and buurten with a map of the
buurten by stadsdeel. ``/gebieden/{code}`` is an area profile: parents and children, key
figures, all indicators compared with the rest of the gemeente (or of Nederland), crime
next to feelings of safety, and the area's place on the map. The data shaping lives in
``services.profiles``; this module turns it into maps and tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from veiligstad.definitions.glossary import glossary
from veiligstad.domain.accounts import Role
from veiligstad.domain.areas import NETHERLANDS
from veiligstad.errors import NotFound
from veiligstad.reports import charts, language
from veiligstad.services import gaps, profiles
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import downloads, i18n
from veiligstad.web.auth import viewer
from veiligstad.web.templating import ScriptJson, render, script_json

router = APIRouter(include_in_schema=False)

#: Okabe–Ito: a qualitative palette that stays distinguishable with colour-blindness.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")

#: The area itself on its location map, and the others (dark against light: also in greyscale).
THIS_AREA, OTHER_AREAS = "dit gebied", "overige gebieden"
PLACE_COLOURS = {THIS_AREA: "#b35806", OTHER_AREAS: "#d9e2ec"}

#: The figures of an area's indicator table, rounded in a download (several units: the most
#: decimals any of them has; full precision in csv-raw).
PROFILE_FIGURES = ("waarde", "ci_laag", "ci_hoog", "waarde_gebied", "waarde_vergelijking", "verschil")
LEVEL_PLURAL = {"gemeente": "Gemeenten", "stadsdeel": "Stadsdelen", "wijk": "Wijken", "buurt": "Buurten"}


def name_of(row: Mapping[Any, Any]) -> str:
    """An area's name, or its code when the register has no name (many wijken elsewhere)."""
    name = row["name"]
    return str(name) if isinstance(name, str) and name else str(row["code"])


def context(request: Request, snapshot: Snapshot) -> pd.DataFrame:
    """Inhabitants and key figures of every area, read once per snapshot."""
    return profiles.cached_context(request.app.state.cache.url, snapshot.memo)


def inhabitants(
    context: pd.DataFrame, threshold: int, withheld: dict[tuple[str, str, int], str] | None = None
) -> dict[str, float | str]:
    """Latest inhabitants per area; a count below the threshold as ``< 5``, and one withheld
    to protect it (``profiles.withheld_context``) as ``afgeschermd``."""
    rows = context[context["measure"] == "inwoners"].sort_values("year").groupby("area_code").tail(1)
    hidden = withheld or {}
    return {
        str(code): (
            hidden.get(("inwoners", str(code), int(year)))
            or (f"< {threshold}" if 0 < value < threshold else float(value))
        )
        for code, year, value in zip(rows["area_code"], rows["year"], rows["value"], strict=True)
    }


def buurten_table(snapshot: Snapshot, people: dict[str, float | str]) -> pd.DataFrame:
    """The municipality's buurten with their wijk and stadsdeel (the map's text alternative)."""
    names = {str(r["code"]): name_of(r) for r in snapshot.own_areas().to_dict(orient="records")}
    rows = [
        {
            "code": row["code"],
            "buurt": name_of(row),
            "wijk_code": row["wijk_code"],
            "wijk": names.get(str(row["wijk_code"]), ""),
            "stadsdeel_code": row["stadsdeel_code"],
            "stadsdeel": names.get(str(row["stadsdeel_code"]), ""),
            "inwoners": people.get(str(row["code"])),
        }
        for row in snapshot.own_areas("buurt").to_dict(orient="records")
    ]
    return pd.DataFrame(
        rows, columns=["code", "buurt", "wijk_code", "wijk", "stadsdeel_code", "stadsdeel", "inwoners"]
    )


def areas_table(snapshot: Snapshot) -> pd.DataFrame:
    """Every area of the municipality with its parents (download)."""
    frame = snapshot.own_areas().copy()
    frame["naam"] = [name_of(r) for r in frame.to_dict(orient="records")]
    order = {"gemeente": 0, "stadsdeel": 1, "wijk": 2, "buurt": 3}
    frame = frame.sort_values(by=["level", "code"], key=lambda s: s.map(order) if s.name == "level" else s)
    columns = ["code", "naam", "level", "wijk_code", "stadsdeel_code", "gemeente_code", "boundary_year"]
    return (
        frame[columns]
        .rename(columns={"level": "niveau", "boundary_year": "grensjaar"})
        .reset_index(drop=True)
    )


def stadsdeel_map(snapshot: Snapshot, table: pd.DataFrame, lang: str) -> dict[str, Any] | None:
    """The buurten coloured by stadsdeel."""
    colours = dict(zip(sorted(set(table["stadsdeel"]) - {""}), OKABE_ITO, strict=False))
    features = [
        charts.feature(
            str(row["code"]),
            str(row["buurt"]),
            snapshot.geometries[str(row["code"])],
            category=row["stadsdeel"],
        )
        for row in table.to_dict(orient="records")
        if row["code"] in snapshot.geometries
    ]
    title = i18n.translate("stadsdeel", lang)
    return charts.category_map(features, colours, title=title, lang=lang) if features else None


def gemeenten(snapshot: Snapshot) -> list[tuple[str, str]]:
    """(code, name) of every gemeente in the register, by name, for the look-up form."""
    rows = snapshot.areas[snapshot.areas["level"] == "gemeente"]
    return sorted(((str(r["code"]), name_of(r)) for r in rows.to_dict(orient="records")), key=lambda p: p[1])


@router.get("/gebieden")
def areas_page(request: Request, gebied: str | None = None) -> Response:
    """The municipality's areas by level, a map of the buurten, and a look-up of any area."""
    snapshot: Snapshot = request.app.state.cache.get()
    if gebied:
        code = gebied.strip().upper()
        if snapshot.area(code) is None:
            raise NotFound(
                f"Onbekend gebied '{gebied}'.", hint="Kies een gemeente uit de lijst op /gebieden."
            )
        return RedirectResponse(f"/gebieden/{code}", status_code=303)
    if ("areas", "overview") not in snapshot.memo:
        found = context(request, snapshot)
        withheld = profiles.withheld_context(found, snapshot.areas, snapshot.municipality, snapshot.threshold)
        people = inhabitants(found, snapshot.threshold, withheld)
        snapshot.memo[("areas", "overview")] = (buurten_table(snapshot, people), areas_table(snapshot))
    buurten, everything = snapshot.memo[("areas", "overview")]
    lang = viewer(request).lang
    key = ("areas", "stadsdelen", lang)
    if key not in snapshot.memo:
        snapshot.memo[key] = stadsdeel_map(snapshot, buurten, lang)
    spec = snapshot.memo[key]
    return render(
        request,
        "areas/index.html",
        title="Gebieden",
        stem="gebieden",
        tables={"gebieden": everything, "buurten": buurten},
        municipality=snapshot.area(snapshot.municipality),
        levels={lvl: snapshot.own_areas(lvl).to_dict(orient="records") for lvl in ("stadsdeel", "wijk")},
        level_names=LEVEL_PLURAL,
        buurten=buurten.to_dict(orient="records"),
        spec=spec,
        gemeenten=gemeenten(snapshot),
        name_of=name_of,
        map_caption=i18n.translate("Buurten van", lang),
    )


def place_features(
    snapshot: Snapshot, area: dict[str, Any], lang: str
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """The areas of the same level around this one (its gemeente, or all gemeenten), with
    this area as its own category; empty when the area has no boundary."""
    if area["code"] not in snapshot.geometries:
        return [], pd.DataFrame(columns=["code", "gebied", "categorie"])
    areas = snapshot.areas
    same = areas["level"] == area["level"]
    if area["level"] != "gemeente":
        same &= areas["gemeente_code"] == area["gemeente_code"]
    peers = areas[same & areas["code"].isin(snapshot.geometries.keys())].sort_values("code")
    this, other = i18n.translate(THIS_AREA, lang), i18n.translate(OTHER_AREAS, lang)
    rows = [
        {
            "code": str(r["code"]),
            "gebied": name_of(r),
            "categorie": this if r["code"] == area["code"] else other,
        }
        for r in peers.to_dict(orient="records")
    ]
    features = [
        charts.feature(r["code"], r["gebied"], snapshot.geometries[r["code"]], category=r["categorie"])
        for r in rows
    ]
    return features, pd.DataFrame(rows, columns=["code", "gebied", "categorie"])


def place_map(features: list[dict[str, Any]], lang: str) -> dict[str, Any] | None:
    """The location map: this area dark, the others light."""
    if not features:
        return None
    colours = {i18n.translate(k, lang): v for k, v in PLACE_COLOURS.items()}
    return charts.category_map(
        features, colours, title=i18n.translate("ligging", lang), height=380, lang=lang
    )


def cached_place(snapshot: Snapshot, area: dict[str, Any], lang: str) -> Place:
    """The location map and its table. Altair takes ~0.4 s for a map of all gemeenten, so the
    maps of the municipality's own areas are kept per snapshot, as JSON ready for the page
    (others are not: a map of all gemeenten is ~150 kB, and there are hundreds of gemeenten)."""
    key = ("areas", "place", area["code"], lang)
    found = snapshot.memo.get(key)
    if found is None:
        features, peers = place_features(snapshot, area, lang)
        spec = place_map(features, lang)
        rows = [{str(k): v for k, v in row.items()} for row in peers.to_dict(orient="records")]
        found = Place(script_json(spec) if spec else None, peers, rows)
        if _own(snapshot, area):
            snapshot.memo[key] = found
    place: Place = found
    return place


@dataclass(frozen=True)
class Place:
    """The location map of an area (JSON for the page) and the areas on it (table and rows)."""

    spec: ScriptJson | None
    peers: pd.DataFrame
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class ProfileParts:
    """An area's profile and its download tables, computed once per snapshot for own areas."""

    profile: profiles.Profile
    tables: dict[str, pd.DataFrame]


def _own(snapshot: Snapshot, area: dict[str, Any]) -> bool:
    """Whether an area belongs to the programme's municipality (or is the country): the areas
    whose pages are kept per snapshot. Others are computed per request, so that visiting every
    buurt of the country cannot fill the memory."""
    return bool(area["gemeente_code"] == snapshot.municipality or area["code"] == NETHERLANDS)


def cached_profile(request: Request, snapshot: Snapshot, area: dict[str, Any]) -> ProfileParts:
    """The public profile of an area and its tables, computed once per snapshot."""
    key = ("areas", "profile", area["code"])
    found = snapshot.memo.get(key)
    if found is None:
        profile = profiles.profile(
            snapshot.public_values,
            snapshot.definitions,
            snapshot.areas,
            area,
            context(request, snapshot),
            snapshot.threshold,
        )
        tables = {
            "kerncijfers": figures_table(profile),
            "indicatoren": downloads.with_decimals(
                profiles.indicator_table(profile),
                downloads.most_decimals(f.indicator for f in profile.indicators),
                PROFILE_FIGURES,
            ),
            "beleving": downloads.with_decimals(
                profiles.divergence_table(profile),
                downloads.most_decimals(d.crime for d in profile.divergences),
                ("criminaliteit_van", "criminaliteit_tot"),
                dict.fromkeys(
                    ("beleving_van", "beleving_tot"),
                    downloads.most_decimals(d.feeling for d in profile.divergences),
                ),
            ),
        }
        found = ProfileParts(profile, tables)
        if _own(snapshot, area):
            snapshot.memo[key] = found
    parts: ProfileParts = found
    return parts


def figures_table(profile: profiles.Profile) -> pd.DataFrame:
    """Key figures for download (without the display-only decimals column)."""
    return profile.figures.drop(columns=["decimalen"])


@router.get("/gebieden/{code}")
def profile_page(request: Request, code: str) -> Response:
    """The profile of one gemeente, stadsdeel, wijk or buurt (or Nederland)."""
    snapshot: Snapshot = request.app.state.cache.get()
    area = snapshot.area(code)
    if area is None and code != code.upper() and snapshot.area(code.upper()) is not None:
        return RedirectResponse(f"/gebieden/{code.upper()}", status_code=301)
    if area is None:
        raise NotFound(
            f"Onbekend gebied '{code}'.",
            hint="Gebiedscodes zien eruit als GM0935, WK093500 of BU09350000; zie /gebieden.",
        )
    parts = cached_profile(request, snapshot, area)
    profile = parts.profile
    lang = viewer(request).lang
    place = cached_place(snapshot, area, lang)
    return render(
        request,
        "areas/profile.html",
        words=glossary().pick(
            "per-1000-inwoners",
            "weinig-inwoners",
            "kleiner-dan-5",
            "afgeschermd",
            "buurt-wijk-stadsdeel",
            "groter-dan-toeval",
            "veiligheidsmonitor",
        ),
        title=profile.name,
        stem=f"gebied-{area['code']}",
        tables={**parts.tables, "ligging": place.peers},
        area=area,
        profile=profile,
        place_spec=place.spec,
        peers=place.rows,
        own=snapshot.municipality,
        own_codes=snapshot.own_codes(),
        gemeenten=gemeenten(snapshot) if area["level"] == "land" else [],
        level_names=LEVEL_PLURAL,
        this_area=i18n.translate(THIS_AREA, lang),
        gaps=level_gaps(snapshot, profile, str(area["level"])),
        engine_text=lambda text: language.label_in(str(text or ""), lang),
        analyst=viewer(request).allows(Role.ANALIST),
    )


#: Levels whose missing figures ``services.gaps`` explains (the country has no programme gaps).
GAP_LEVELS = ("gemeente", "stadsdeel", "wijk", "buurt")


def level_gaps(snapshot: Snapshot, profile: profiles.Profile, level: str) -> dict[str, gaps.LevelGap]:
    """Indicator id → why it has no figure at this area's level and what fills it."""
    if level not in GAP_LEVELS:
        return {}
    out = {}
    for figure in profile.without_data:
        gap = gaps.gap_at(snapshot.memo, snapshot.definitions, figure.indicator.id, level)
        if gap is not None and gap.why:
            out[figure.indicator.id] = gap
    return out
