# SPDX-License-Identifier: EUPL-1.2
"""Intern: uploads of the municipality's own figures, checked completely before anything is loaded."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute

from veiligstad.errors import WarehouseError
from veiligstad.services import templates, uploads, warehouses
from veiligstad.services.adapters import UploadLimits
from veiligstad.services.snapshot import Snapshot
from veiligstad.settings import Settings
from veiligstad.web import auth
from veiligstad.web.pages.internal.access import (
    Analist,
    analist,
    warehouse_problem,
)
from veiligstad.web.templating import render

router = APIRouter(prefix="/intern", include_in_schema=False)

#: Largest file the upload form takes.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Room for the multipart envelope and the other form fields around the file.
_ENVELOPE_BYTES = 64 * 1024
#: Problems of an upload shown on the page.
MAX_PROBLEMS = 1000
UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


def _upload_measures(snapshot: Snapshot) -> list[str]:
    """The measures the catalogue reads: the choices for a wide file without an Indicator column."""
    return sorted({m for i in snapshot.definitions.indicators() for m in i.all_measures})


def upload_page(
    request: Request,
    *,
    report: uploads.UploadReport | None = None,
    error: str = "",
    hint: str = "",
    measure: str = "",
    valid_only: bool = False,
    status_code: int = 200,
) -> Response:
    """The upload form, with the outcome of the last upload or an error."""
    snapshot: Snapshot = request.app.state.cache.get()
    problems = sorted(report.problems, key=lambda p: p.row or 0) if report else []
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.code] = counts.get(problem.code, 0) + 1
    return render(
        request,
        "internal/uploads.html",
        title="Eigen cijfers uploaden",
        status_code=status_code,
        report=report,
        problems=problems[:MAX_PROBLEMS],
        problem_counts=sorted(counts.items()),
        error=error,
        hint=hint,
        measures=_upload_measures(snapshot),
        measure=measure,
        valid_only=valid_only,
        limit=limit_text(),
        recent=[s for s in snapshot.sources if s.kind == "upload"],
        template_indicators=[(i.id, i.name) for i in snapshot.definitions.indicators()],
        template_years=_template_years(snapshot),
        template_levels=templates.LEVELS,
    )


def _template_years(snapshot: Snapshot) -> str:
    """The baseline year to the end of the programme, the template form's default."""
    programme = snapshot.definitions.programme
    return f"{min(programme.baseline_year, programme.period_start)}-{programme.period_end}"


def limit_text() -> str:
    """The upload limit for people: ``20 MB`` (or kB for a small test limit)."""
    if MAX_UPLOAD_BYTES >= 1024 * 1024:
        return f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
    return f"{max(1, MAX_UPLOAD_BYTES // 1024)} kB"


def _too_large_text() -> str:
    return f"Het bestand is te groot: de grens is {limit_text()}."


class LimitedUploadRoute(APIRoute):
    """A route that refuses a request body over the upload limit before reading it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The usual handler, behind a check of the announced body size."""
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            length = request.headers.get("content-length")
            chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
            if length is None and not chunked:
                return await handler(request)
            too_large = (
                length is not None and length.isdigit() and int(length) > MAX_UPLOAD_BYTES + _ENVELOPE_BYTES
            )
            if length is not None and not too_large:
                return await handler(request)
            await run_in_threadpool(analist, request)  # raises for visitors without the role
            error = _too_large_text() if too_large else "De grootte van het bestand is niet opgegeven."
            hint = "Splits het bestand, of laad het met `veiligstad import file` op de server."
            return await run_in_threadpool(
                lambda: upload_page(request, error=error, hint=hint, status_code=413 if too_large else 411)
            )

        return limited


def _file_name(upload: UploadFile) -> str:
    """The name without any folder a browser may send along."""
    return re.split(r"[\\/]", upload.filename or "")[-1].strip()[:200]


def upload_limits(settings: Settings) -> UploadLimits:
    """The reading limits of the ``VEILIGSTAD_UPLOAD_MAX_*`` settings, as the CLI passes them."""
    return UploadLimits(
        max_rows=settings.upload_max_rows,
        max_columns=settings.upload_max_columns,
        max_cells=settings.upload_max_cells,
        max_xlsx_bytes=settings.upload_max_xlsx_bytes,
        max_xlsx_ratio=settings.upload_max_xlsx_ratio,
    )


def upload_file(
    request: Request,
    viewer: Analist,
    bestand: Annotated[UploadFile | None, File()] = None,
    maat: Annotated[str, Form(max_length=200)] = "",
    alleen_goede_rijen: Annotated[bool, Form()] = False,
) -> Response:
    """Check a file completely; load it as one batch only when it is valid (or asked to)."""

    def again(error: str, hint: str = "", status_code: int = 400) -> Response:
        return upload_page(
            request,
            error=error,
            hint=hint,
            measure=maat,
            valid_only=alleen_goede_rijen,
            status_code=status_code,
        )

    name = _file_name(bestand) if bestand else ""
    if bestand is None or not name:
        return again("Kies eerst een bestand.")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        return again(f"'{name}' is geen CSV- of Excel-bestand.", "Kies een .csv- of .xlsx-bestand.")
    if maat and maat not in _upload_measures(request.app.state.cache.get()):
        return again(f"Onbekende maat '{maat}'.", "Kies een maat uit de lijst.")
    data = bestand.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return again(_too_large_text(), status_code=413)
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            report = uploads.import_bytes(
                warehouse,
                data,
                name,
                measure=maat or None,
                valid_only=alleen_goede_rijen,
                loaded_by=viewer.username or "",
                origin="dashboard /intern/uploads",
                limits=upload_limits(request.app.state.settings),
            )
    except WarehouseError as exc:
        return again(*warehouse_problem(exc), status_code=503)
    status = 400 if report.outcome == "geweigerd" else 200
    return upload_page(
        request, report=report, measure=maat, valid_only=alleen_goede_rijen, status_code=status
    )


@router.get("/uploads", dependencies=[Depends(analist)])
def uploads_page(request: Request) -> Response:
    """The upload form."""
    return upload_page(request)


router.add_api_route(
    "/uploads",
    upload_file,
    methods=["POST"],
    dependencies=[Depends(analist), Depends(auth.csrf_protected)],
    route_class_override=LimitedUploadRoute,
)
