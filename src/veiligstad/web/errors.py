# SPDX-License-Identifier: EUPL-1.2
"""Errors rendered once: an HTML page for people, ``application/problem+json`` on ``/api``.

Login is asked for by redirecting to ``/inloggen`` (HTML) or answered with 401 (API). A
warehouse that cannot be used (held by another process past the wait bound, damaged, or
disappeared while serving) is a 503 with the Dutch message, and a line in the log.

Messages are raised in Dutch (the CLI shows them so); here, in the reader's language
(``?lang=``, else the language cookie), both on the page and in the problem document: title,
detail and hint through ``i18n`` (``translations/en/errors.yaml``). A text without English,
such as a validation message of FastAPI (already English), is shown as it is.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from veiligstad.errors import (
    AccessDenied,
    LoginRequired,
    NotFound,
    TooManyAttempts,
    VeiligstadError,
    WarehouseError,
)
from veiligstad.services.warehouses import WarehouseBusy
from veiligstad.spatial.labels import TooFewAreas
from veiligstad.web import auth, i18n
from veiligstad.web.templating import render

log = logging.getLogger("veiligstad.web")

PROBLEM = "application/problem+json"
#: Retry-After of a 503 while another process holds the warehouse.
BUSY_RETRY_SECONDS = 5

TITLES = {
    400: "Ongeldig verzoek",
    401: "Inloggen nodig",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    409: "Niet te berekenen met deze gegevens",
    413: "Verzoek te groot",
    422: "Ongeldige invoer",
    429: "Te veel pogingen",
    500: "Interne fout",
    503: "Gegevens niet beschikbaar",
}


def status_of(exc: VeiligstadError) -> int:
    """The HTTP status of a veiligstad error."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, LoginRequired):
        return 401
    if isinstance(exc, AccessDenied):
        return 403
    if isinstance(exc, TooManyAttempts):
        return 429
    if isinstance(exc, WarehouseError):
        return 503
    if isinstance(exc, TooFewAreas):
        return 409  # a valid request that the data cannot answer (e.g. Gi* on 7 wijken)
    return 400


def is_api(request: Request) -> bool:
    """Whether the request is for the JSON API."""
    return request.url.path.startswith("/api/")


def language(request: Request) -> str:
    """The reader's language: the page's viewer when known, else ``?lang=`` or the cookie.

    Works without the snapshot (an error may be that it cannot be read)."""
    seen = getattr(request.state, "viewer", None)
    if isinstance(seen, auth.Viewer):
        return seen.lang
    return i18n.choose(request.query_params.get("lang"), request.cookies.get(auth.LANG_COOKIE))


def problem(status: int, detail: str, request: Request, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem document, in the reader's language (``detail`` as raised, in Dutch)."""
    lang = language(request)
    body = {
        "type": "about:blank",
        "title": i18n.translate(TITLES.get(status, "Fout"), lang),
        "status": status,
        "detail": i18n.message(detail, lang),
        "instance": request.url.path,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def page(request: Request, status: int, detail: str, hint: str = "") -> Response:
    """The HTML error page in the reader's language (``detail`` and ``hint`` as raised, in Dutch);
    plain HTML if the page itself cannot be drawn."""
    lang = language(request)
    detail, hint = i18n.message(detail, lang), i18n.message(hint, lang)
    try:
        return render(
            request,
            "error.html",
            title=TITLES.get(status, "Fout"),
            status_code=status,
            status=status,
            detail=detail,
            hint=hint,
        )
    except Exception:  # the snapshot itself may be what failed
        log.exception("foutpagina kon niet worden getoond")
        title = i18n.translate("Fout", lang)
        body = (
            f"<!doctype html><html lang={lang}><title>{title}</title>"
            f"<h1>{status}</h1><p>{escape(detail)}</p></html>"
        )
        return HTMLResponse(body, status_code=status)


async def veiligstad_error(request: Request, exc: Exception) -> Response:
    """Render a veiligstad error for the kind of client."""
    assert isinstance(exc, VeiligstadError)
    status = status_of(exc)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
    if isinstance(exc, WarehouseError):
        log.warning("warehouse niet bruikbaar bij %s: %s", request.url.path, exc.message)
        if isinstance(exc, WarehouseBusy):
            headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    if is_api(request):
        response: Response = problem(status, exc.message, request)
    elif isinstance(exc, LoginRequired):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        response = RedirectResponse(f"/inloggen?volgende={target}", status_code=303)
    else:
        response = page(request, status, exc.message, exc.hint)
    response.headers.update(headers)
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    """404 for unknown paths, 405 and the like."""
    assert isinstance(exc, StarletteHTTPException)
    detail = "Deze pagina bestaat niet." if exc.status_code == 404 else str(exc.detail)
    response = (
        problem(exc.status_code, detail, request)
        if is_api(request)
        else page(request, exc.status_code, detail)
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def validation_error(request: Request, exc: Exception) -> Response:
    """Bad parameters: 400 with every problem listed."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"location": ".".join(str(p) for p in error.get("loc", ())), "message": str(error.get("msg", ""))}
        for error in exc.errors()
    ]
    detail = "; ".join(f"{p['location']}: {p['message']}" for p in problems)
    if is_api(request):
        return problem(400, detail, request, errors=problems)
    return page(request, 400, detail)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """Anything else: logged with its traceback, shown without it. A veiligstad error that got
    here (raised outside the routes, e.g. in a middleware) is rendered as usual."""
    if isinstance(exc, VeiligstadError):
        return await veiligstad_error(request, exc)
    log.error("onverwachte fout bij %s", request.url.path, exc_info=exc)
    detail = "Er ging iets mis in veiligstad. De fout is gelogd."
    return problem(500, detail, request) if is_api(request) else page(request, 500, detail)


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(VeiligstadError, veiligstad_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
