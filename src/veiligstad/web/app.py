# SPDX-License-Identifier: EUPL-1.2
"""The app factory: settings in, FastAPI app out; routers, static files, headers, errors.

Nothing on a page comes from another host: no CDN, no web fonts, no map tiles. The Vega
libraries are the bundle ``vl-convert-python`` ships, served as ``/static/vega-bundle.js``.
"""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import vl_convert
from anyio import to_thread
from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles

from veiligstad import __version__
from veiligstad.services import bootstrap, monitor
from veiligstad.services.snapshot import SnapshotCache
from veiligstad.services.snapshot_store import SnapshotStore
from veiligstad.services.warehouses import Warehouse, set_wait
from veiligstad.settings import Settings, default_data_dir
from veiligstad.web import auth, errors
from veiligstad.web.api import ROUTERS as API_ROUTERS
from veiligstad.web.api import openapi
from veiligstad.web.caching import PageCache
from veiligstad.web.edge import Edge, EdgeRules
from veiligstad.web.headers import SecurityHeaders
from veiligstad.web.pages import ROUTERS as PAGE_ROUTERS

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("veiligstad.web")
API_VERSION = "1.0.0"

#: Makes the libraries available to ``static/app.js``.
BUNDLE_SNIPPET = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (built once, about 2 s)."""
    return str(vl_convert.javascript_bundle(BUNDLE_SNIPPET))


def settle_memory() -> None:
    """Keep Python's garbage collector off the figures: collect once, then move everything that
    lives on (the snapshot, its memo, the modules) out of the collector's sight (``gc.freeze``).

    Without it, every few seconds a full collection walked all of those objects while twenty
    logged-in requests waited: up to 261 ms each, 2.6 s in a 30 s load run, p99 337 ms. With it
    p99 was 145 ms. Called after each new snapshot (``SnapshotCache(settled=…)``), so the objects
    of the previous one, no longer frozen, can be collected."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _prepare(warehouse: Warehouse) -> None:
    """First use: load the embedded data, as the CLI does."""
    if warehouse.is_empty():
        bootstrap.initialise(warehouse)


def create_app(
    settings: Settings | None = None, cache: SnapshotCache | None = None, *, background: bool = False
) -> FastAPI:
    """The dashboard and API for these settings. The figures are computed once per warehouse
    state and kept on disk (``services.snapshot_store``) for other processes; with
    ``background`` (``serve``) new figures after an import are computed while the previous
    ones are still served."""
    settings = settings or Settings()
    rules = EdgeRules.from_settings(settings)  # a malformed base URL stops the start, in Dutch
    if cache is None:
        url = settings.resolved_database_url()
        cache = SnapshotCache(
            url,
            lambda: monitor.load_definitions(settings.programme, settings.catalogue),
            threshold=settings.disclosure_threshold,
            prepare=_prepare,
            store=SnapshotStore.for_url(url, default_data_dir()),
            background=background,
            settled=settle_memory if background else None,  # the server (serve), not tests or scripts
        )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        cache.get()  # fail at start, not on the first visitor, when the data cannot be read
        # Pages rendered at once (anyio's default is 40). With 20 logged-in sessions on 2 cores,
        # 40 threads taking turns on the interpreter lock made p95 166 ms, 8 made it 126 ms
        # (2 workers; benchmarks/web_load.py --logged-in).
        to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        yield

    app = FastAPI(
        title="veiligstad API",
        version=API_VERSION,
        description=(
            "Open gegevens van de veiligheidsmonitor: programma, indicatoren, gebieden en waarden "
            "met betrouwbaarheidsintervallen en herkomst. Kleine aantallen zijn afgeschermd."
        ),
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads from a CDN; /api/v1/docs is our own page (pages/api_reference)
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.cache = cache
    app.state.sessions = auth.Sessions(settings.resolved_secret_key())
    app.state.limiter = auth.LoginLimiter()
    app.state.version = __version__
    errors.install(app)

    # outermost last: headers on every answer, then the edge checks, then the page cache
    app.add_middleware(PageCache, token=cache.token)  # no exception in the middleware: the page says it
    app.add_middleware(Edge, rules=rules)
    app.add_middleware(SecurityHeaders, api_version=API_VERSION)

    @app.get("/static/vega-bundle.js", include_in_schema=False)
    def bundle() -> Response:
        return Response(
            vega_bundle(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    openapi.customise(app)
    return app


def worker_app() -> FastAPI:
    """The app of one ``serve --workers N`` process (uvicorn's factory): settings from the
    environment, as the parent read them; the figures from the snapshot store."""
    settings = Settings()
    set_wait(settings.write_wait_seconds, notify=log.warning)  # while serving: to the log
    return create_app(settings, background=True)
