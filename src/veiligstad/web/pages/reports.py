# SPDX-License-Identifier: EUPL-1.2
"""Rapporten: the four reports to download as PDF or open as a web page.

``/rapporten`` lists the voortgangsrapportage, the tussentijdse evaluatie, the gebiedsprofiel
and the publieksversie, each with a form (year; area for the profile) and two buttons.
``/rapporten/{soort}.pdf|.html?jaar=&gebied=&lang=`` answers with the generated document, in the
language of ``?lang=`` or of the page (Dutch or English). The site
is public: every report is built from the figures after disclosure control and lists only
public actions. A generated document is kept in the snapshot's memo (per kind, year, area and
format and language), so it is built once per state of the warehouse.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from veiligstad.errors import BadRequest, NotFound
from veiligstad.reports import document, html, pdf
from veiligstad.reports.model import ReportKind
from veiligstad.reports.view import check_year, latest_year, own_years
from veiligstad.services import reporting, warehouses
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import auth
from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)

#: Formats by file extension in the path.
FORMATS = ("pdf", "html")
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}

#: One report is generated at a time: a second request for the same one waits and gets the
#: memoised result instead of building it again.
_BUILDING = threading.Lock()


def _year(snapshot: Snapshot, text: str | None) -> int:
    """The report year from ``?jaar=`` (empty: the newest year with figures)."""
    if text is None or not text.strip():
        return latest_year(snapshot)
    try:
        year = int(text.strip())
    except ValueError:
        raise BadRequest(f"Ongeldig jaar '{text}'.", hint="Geef een jaar als 2024.") from None
    return check_year(snapshot, year)


def _parse(name: str) -> tuple[ReportKind, str]:
    """``voortgangsrapportage.pdf`` → the kind and the format; NotFound otherwise."""
    stem, _, fmt = name.rpartition(".")
    if fmt not in FORMATS or not stem:
        raise NotFound(f"Er is geen rapport '{name}'.", hint="Kies een rapport op /rapporten (PDF of HTML).")
    try:
        return ReportKind.parse(stem), fmt
    except NotFound:
        raise NotFound(f"Er is geen rapport '{name}'.", hint="Kies een rapport op /rapporten.") from None


def inputs(request: Request, snapshot: Snapshot, kind: ReportKind, year: int) -> reporting.Inputs:
    """What the report needs besides the snapshot, read once per snapshot, kind and year."""
    key = ("reports", "inputs", kind is ReportKind.MIDTERM, kind is ReportKind.AREA, year)
    if key not in snapshot.memo:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            snapshot.memo[key] = reporting.gather(
                warehouse,
                snapshot,
                year,
                hotspots=kind is ReportKind.MIDTERM,
                context=kind is ReportKind.AREA,
                public=True,
            )
    found: reporting.Inputs = snapshot.memo[key]
    return found


def generate(
    request: Request,
    snapshot: Snapshot,
    kind: ReportKind,
    year: int,
    area: str | None,
    fmt: str,
    lang: str = "nl",
) -> bytes:
    """The document in ``lang``, from the memo or built now (public figures only)."""
    english = ("en",) if lang == "en" else ()  # a Dutch report keeps its key of before
    key = ("reports", kind.value, year, area, fmt, *english)
    with _BUILDING:
        if key in snapshot.memo:
            cached: bytes = snapshot.memo[key]
            return cached
        report = document.build(
            kind, inputs(request, snapshot, kind, year), year=year, area=area, public_only=True, lang=lang
        )
        text_key = ("reports", kind.value, year, area, "html", *english)
        text = snapshot.memo.get(text_key)
        page = text.decode("utf-8") if isinstance(text, bytes) else html.render(report)
        snapshot.memo[text_key] = page.encode("utf-8")
        if fmt == "pdf":
            snapshot.memo[key] = pdf.render(report, page)
        found: bytes = snapshot.memo[key]
        return found


@router.get("/rapporten/{name}")
def report_file(request: Request, name: str, jaar: str | None = None, gebied: str | None = None) -> Response:
    """One report as PDF (a download) or HTML (a page)."""
    kind, fmt = _parse(name)
    snapshot: Snapshot = request.app.state.cache.get()
    year = _year(snapshot, jaar)
    area = (gebied or "").strip().upper() or None
    if kind is ReportKind.AREA and area is None:
        raise BadRequest(
            "Een gebiedsprofiel is voor één gebied: kies een gebied.",
            hint="Bijvoorbeeld /rapporten/gebiedsprofiel.pdf?gebied=WK093500.",
        )
    if kind is not ReportKind.AREA:
        area = None
    data = generate(request, snapshot, kind, year, area, fmt, auth.viewer(request).lang)
    stem = "-".join([kind.slug, *([area.lower()] if area else []), str(year)])
    if fmt == "html":
        return HTMLResponse(data)
    headers = {"Content-Disposition": f'attachment; filename="{stem}.pdf"'}
    return Response(data, media_type=MEDIA_TYPES["pdf"], headers=headers)


def _area_choices(snapshot: Snapshot) -> list[tuple[str, list[tuple[str, str]]]]:
    """The stadsdelen, wijken and buurten of the municipality, for the area select."""
    groups = []
    for level, label in (("stadsdeel", "Stadsdelen"), ("wijk", "Wijken"), ("buurt", "Buurten")):
        rows = snapshot.own_areas(level)
        pairs = sorted(
            ((str(code), str(name or code)) for code, name in zip(rows["code"], rows["name"], strict=True)),
            key=lambda pair: pair[1].lower(),
        )
        if pairs:
            groups.append((label, pairs))
    return groups


@router.get("/rapporten")
def reports_page(request: Request) -> Response:
    """The four reports with their download buttons."""
    snapshot: Snapshot = request.app.state.cache.get()
    programme = snapshot.definitions.programme
    years = [y for y in own_years(snapshot.values, snapshot.municipality) if y >= programme.baseline_year]
    kinds: list[dict[str, Any]] = [
        {"kind": kind, "slug": kind.slug, "label": kind.label, "summary": kind.summary} for kind in ReportKind
    ]
    return render(
        request,
        "reports/index.html",
        title="Rapporten",
        kinds=kinds,
        years=sorted(years, reverse=True),
        area_groups=_area_choices(snapshot),
        area_kind=ReportKind.AREA,
    )
