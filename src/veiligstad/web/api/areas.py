# SPDX-License-Identifier: EUPL-1.2
"""``/gebieden``: every area (land, gemeenten, stadsdelen, wijken, buurten) with its parents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field

from veiligstad.domain.areas import NETHERLANDS, AreaLevel
from veiligstad.errors import NotFound
from veiligstad.services.snapshot import Snapshot, level_order
from veiligstad.web.api.memo import memoised
from veiligstad.web.api.pagination import Page, PageLinks, Paging, paginate, paging
from veiligstad.web.api.parameters import CurrentSnapshot, LevelFilter, examples
from veiligstad.web.api.responses import Resource, SelfLink, path, records, responses, text, whole

router = APIRouter(tags=["gebieden"])

MEMO = "api-areas"
#: Parents of an area, coarsest first, by the register column that holds their code.
PARENT_COLUMNS = ("gemeente_code", "stadsdeel_code", "wijk_code")


class AreaRef(Resource):
    """A reference to an area."""

    code: str
    name: str | None
    level: AreaLevel
    links: SelfLink


class AreaSummary(Resource):
    """An area from the register: CBS codes are text (``GM0935``, ``WK093500``, ``BU09350000``)."""

    code: str
    name: str | None = Field(description="`null` waar CBS geen naam publiceert.")
    level: AreaLevel
    gemeente_code: str | None
    stadsdeel_code: str | None = Field(description="Stadsdeel: een eigen indeling van de gemeente.")
    wijk_code: str | None
    boundary_year: int | None = Field(description="Het jaar van de gebiedsindeling (grenzen en codes).")
    has_geometry: bool
    links: SelfLink


class AreaPage(Resource):
    """One page of areas."""

    items: list[AreaSummary]
    page: Page
    links: PageLinks


class AreaDetail(AreaSummary):
    """An area with its parents (coarsest first)."""

    parents: list[AreaRef]


class AreaIndex:
    """The register as records by code and in display order (built once per snapshot)."""

    def __init__(self, snapshot: Snapshot) -> None:
        rows = records(snapshot.areas)
        self.by_code = {str(r["code"]): r for r in rows}
        self.ordered = sorted(rows, key=lambda r: (level_order(str(r["level"])), str(r["code"])))
        self.geometries = snapshot.geometries


def index(snapshot: Snapshot) -> AreaIndex:
    """The area index of this snapshot."""
    return memoised(snapshot, (MEMO,), AreaIndex, lambda: AreaIndex(snapshot))


def find(snapshot: Snapshot, code: str) -> dict[str, Any]:
    """An area's register row, or a 404 problem."""
    record = index(snapshot).by_code.get(code)
    if record is None:
        raise NotFound(f"Onbekend gebied '{code}'. Codes zijn bijvoorbeeld GM0935, WK093500, BU09350000.")
    return record


def ref(record: dict[str, Any]) -> AreaRef:
    """A short reference to an area."""
    code = str(record["code"])
    return AreaRef(code=code, name=text(record["name"]), level=AreaLevel(record["level"]), links=_self(code))


def _self(code: str) -> SelfLink:
    return SelfLink(self=path("gebieden", code))


def _fields(record: dict[str, Any], areas: AreaIndex) -> dict[str, Any]:
    code = str(record["code"])
    return {
        "code": code,
        "name": text(record["name"]),
        "level": AreaLevel(record["level"]),
        "gemeente_code": text(record["gemeente_code"]),
        "stadsdeel_code": text(record["stadsdeel_code"]),
        "wijk_code": text(record["wijk_code"]),
        "boundary_year": whole(record["boundary_year"]),
        "has_geometry": code in areas.geometries,
        "links": _self(code),
    }


def parents(record: dict[str, Any], areas: AreaIndex) -> list[AreaRef]:
    """The areas this one lies in, coarsest first (the country first)."""
    codes = [] if record["level"] == AreaLevel.LAND else [NETHERLANDS]
    codes += [str(record[c]) for c in PARENT_COLUMNS if text(record[c]) and record[c] != record["code"]]
    return [ref(areas.by_code[c]) for c in codes if c in areas.by_code]


MunicipalityFilter = Annotated[
    str | None,
    Query(
        pattern=r"^GM[0-9]{4}$",
        openapi_examples=examples("GM0935"),
        description="Alleen gebieden in deze gemeente (CBS-code).",
    ),
]


@router.get("/gebieden", responses=responses(), summary="Gebieden, per pagina")
def list_areas(
    request: Request,
    snapshot: CurrentSnapshot,
    requested: Annotated[Paging, Depends(paging)],
    niveau: LevelFilter = None,
    gemeente: MunicipalityFilter = None,
) -> AreaPage:
    """Areas of one level and/or one municipality, coarsest level first, then by code."""
    areas = index(snapshot)
    if gemeente is not None:
        record = areas.by_code.get(gemeente)
        if record is None or record["level"] != AreaLevel.GEMEENTE:
            raise NotFound(f"Onbekende gemeente '{gemeente}'.")
    rows = [
        r
        for r in areas.ordered
        if (niveau is None or r["level"] == niveau) and (gemeente is None or r["gemeente_code"] == gemeente)
    ]
    rows_on_page, page, links = paginate(request, len(rows), requested)
    items = [AreaSummary(**_fields(r, areas)) for r in rows[rows_on_page]]
    return AreaPage(items=items, page=page, links=links)


#: Area codes are letters and digits (GM0935, WK093500, BU09350000, BU0363AA01, NL01).
AREA_CODE_PATTERN = r"^[A-Za-z0-9]{2,20}$"


@router.get("/gebieden/{code}", responses=responses(), summary="Eén gebied met de gebieden waarin het ligt")
def get_area(
    code: Annotated[
        str,
        Path(
            pattern=AREA_CODE_PATTERN,
            openapi_examples=examples("BU09350000"),
            description="CBS-code, bijvoorbeeld `BU09350000`.",
        ),
    ],
    snapshot: CurrentSnapshot,
) -> AreaDetail:
    """The area and its parents: land, gemeente, stadsdeel and wijk."""
    return detail(snapshot, code)


def detail(snapshot: Snapshot, code: str) -> AreaDetail:
    """The body of ``GET /gebieden/{code}`` (also written directly by ``veiligstad publish``)."""
    record = find(snapshot, code)
    areas = index(snapshot)
    return AreaDetail(**_fields(record, areas), parents=parents(record, areas))
