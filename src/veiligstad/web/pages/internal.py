# SPDX-License-Identifier: EUPL-1.2
"""Intern: pages behind login — raw counts, uploads, sources management, accounts.

Every page names the role it needs (``auth.require``); every form carries the form token
(``auth.csrf_protected``). Writes go through the same services as the CLI
(``uploads.import_bytes``, ``accounts.add_user``/``remove_user``) on a short-lived
connection, so a running server never keeps the DuckDB file locked. When another process
holds the file, the page says so in Dutch instead of failing. After a write the snapshot
refreshes by itself (the cache notices the file changed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from veiligstad.domain.accounts import MIN_PASSWORD_LENGTH, Role, User
from veiligstad.domain.areas import NETHERLANDS, AreaLevel
from veiligstad.domain.indicators import Indicator
from veiligstad.engine import disclosure
from veiligstad.errors import BadRequest, ConfigError, NotFound, WarehouseError
from veiligstad.services import accounts, monitor, observations, uploads
from veiligstad.services.snapshot import Snapshot, level_order
from veiligstad.storage.warehouse import Warehouse
from veiligstad.web import auth
from veiligstad.web.templating import render

router = APIRouter(prefix="/intern", include_in_schema=False)

_raad = auth.require(Role.RAAD)
_analist = auth.require(Role.ANALIST)
_beheerder = auth.require(Role.BEHEERDER)
Raad = Annotated[auth.Viewer, Depends(_raad)]
Analist = Annotated[auth.Viewer, Depends(_analist)]
Beheerder = Annotated[auth.Viewer, Depends(_beheerder)]

#: Largest file the upload form takes.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Room for the multipart envelope and the other form fields around the file.
_ENVELOPE_BYTES = 64 * 1024
#: Rows shown in an HTML table; the download has them all.
MAX_ROWS = 500
#: Problems of an upload shown on the page.
MAX_PROBLEMS = 1000
UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
BUSY = "Het warehouse is bezet; probeer het zo opnieuw."
BUSY_HINT = (
    "Een import of ander proces schrijft op dit moment. Wacht even en verstuur het formulier nog eens."
)
_AREA_CODE = re.compile(r"^[A-Z0-9]{2,16}$")


@dataclass(frozen=True)
class InternalPage:
    """A page under /intern/ and the role that may open it."""

    path: str
    title: str
    summary: str
    role: Role


PAGES = (
    InternalPage(
        "/intern/waarden",
        "Ruwe waarden",
        "Tellers en noemers zonder afscherming, en de waarnemingen eronder.",
        Role.ANALIST,
    ),
    InternalPage(
        "/intern/uploads",
        "Eigen cijfers uploaden",
        "Een CSV- of Excel-bestand controleren en laden.",
        Role.ANALIST,
    ),
    InternalPage(
        "/intern/acties",
        "Uitvoeringsprogramma",
        "Acties toevoegen en bijwerken: status, voortgang en evaluatie.",
        Role.ANALIST,
    ),
    InternalPage(
        "/intern/evaluatie",
        "Jaarevaluatie",
        "Per thema de veranderingen en acties van een jaar, met conclusies en bijsturing.",
        Role.ANALIST,
    ),
    InternalPage(
        "/intern/bronnen",
        "Bronnenbeheer",
        "Alle geladen versies van elke bron, met herkomst en actualiteit.",
        Role.BEHEERDER,
    ),
    InternalPage(
        "/intern/gebruikers", "Gebruikers", "Accounts toevoegen, wijzigen en verwijderen.", Role.BEHEERDER
    ),
    InternalPage(
        "/intern/audit", "Audittrail", "Wie wijzigde wanneer wat in het uitvoeringsprogramma.", Role.BEHEERDER
    ),
)


def warehouse_problem(exc: WarehouseError) -> tuple[str, str]:
    """A Dutch message and hint for a warehouse that cannot be opened or written."""
    text = f"{exc} {exc.__cause__ or ''}".lower()
    if "lock" in text:
        return BUSY, BUSY_HINT
    return f"Het warehouse kan niet worden gebruikt: {exc.message}", exc.hint


def naive(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as UTC without a time zone (Excel cannot store zones), for downloads."""
    result = frame.copy()
    for column in result.columns:
        if isinstance(result[column].dtype, pd.DatetimeTZDtype):
            result[column] = result[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return result


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a template: missing values (NaN, NaT) become None."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]


# --------------------------------------------------------------------------- landing


@router.get("/")
def internal_home(request: Request, viewer: Raad) -> Response:
    """Who you are, what your role may open, how recent the data are, how many signals."""
    snapshot: Snapshot = request.app.state.cache.get()
    loaded = sorted(
        (s for s in snapshot.sources if s.newest_period_end is not None),
        key=lambda s: s.newest_period_end or dt.date.min,
    )
    newest = loaded[-1] if loaded else None
    last_load = max((s.loaded_at for s in snapshot.sources if s.loaded_at is not None), default=None)
    alert_end = max((a.period_end for a in snapshot.alerts), default=None)
    return render(
        request,
        "internal/home.html",
        title="Intern",
        role=viewer.role,
        pages=[p for p in PAGES if viewer.allows(p.role)],
        newest=newest,
        latest_values=latest_values(snapshot),
        last_load=last_load,
        alerts_total=len(snapshot.alerts),
        alerts_latest=sum(1 for a in snapshot.alerts if a.period_end == alert_end),
        alert_end=alert_end,
        outdated=[s for s in snapshot.sources if s.outdated],
    )


def latest_values(snapshot: Snapshot) -> dict[str, Any] | None:
    """The newest year with a computed value for the municipality, and its indicators."""
    values = snapshot.values
    rows = values[(values["area_code"] == snapshot.municipality) & values["value"].notna()]
    if rows.empty:
        return None
    year = int(rows["year"].max())
    ids = set(rows.loc[rows["year"] == year, "indicator_id"])
    chosen = [i for i in snapshot.definitions.indicators() if i.id in ids]
    return {"period": str(year), "indicators": chosen}


# --------------------------------------------------------------------------- raw values


def _own_codes(snapshot: Snapshot) -> set[str]:
    return {NETHERLANDS, *snapshot.own_areas()["code"]}


def raw_values(snapshot: Snapshot, indicator_id: str, level: str, period: str, scope: str) -> pd.DataFrame:
    """Raw values of one indicator, filtered, own areas first; with the public disclosure."""
    values = snapshot.values
    chosen = values["indicator_id"] == indicator_id
    if level:
        chosen &= values["level"] == level
    if period:
        chosen &= values["period"] == period
    if scope != "alle":
        chosen &= values["area_code"].isin(_own_codes(snapshot))
    frame = values[chosen].copy()
    frame["openbaar_afgeschermd"] = snapshot.public_values.loc[frame.index, "suppressed"].astype(bool)
    frame["klein_aantal"] = disclosure.suppressed(frame["numerator"], snapshot.threshold)
    own = frame["area_code"].isin(_own_codes(snapshot))
    frame["_own"] = (~own).astype(int)
    frame["_level"] = frame["level"].map(level_order)
    frame = frame.sort_values(["_own", "_level", "area_code", "period"])
    columns = [
        "indicator_id",
        "area_code",
        "area_name",
        "level",
        "period",
        "numerator",
        "denominator",
        "denominator_year",
        "value",
        "unit",
        "ci_low",
        "ci_high",
        "published_value",
        "published_status",
        "reason",
        "klein_aantal",
        "openbaar_afgeschermd",
    ]
    return frame[columns].reset_index(drop=True)


def default_indicator(snapshot: Snapshot) -> Indicator:
    """The indicator with the most computed values in the programme's own areas."""
    values = snapshot.values
    own = values[values["area_code"].isin(_own_codes(snapshot)) & values["numerator"].notna()]
    counts = own["indicator_id"].value_counts()
    indicators = snapshot.definitions.indicators()
    return max(indicators, key=lambda i: int(counts.get(i.id, 0)))


def _periods(snapshot: Snapshot, indicator_id: str) -> list[str]:
    rows = snapshot.values[snapshot.values["indicator_id"] == indicator_id]
    return sorted({str(p) for p in rows["period"]}, reverse=True)


def _latest_computed(snapshot: Snapshot, indicator_id: str) -> str:
    values = snapshot.values
    rows = values[(values["indicator_id"] == indicator_id) & values["numerator"].notna()]
    periods = sorted({str(p) for p in rows["period"]})
    return periods[-1] if periods else ""


def _observations(request: Request, measure: str, area: str) -> tuple[pd.DataFrame, list[str], str]:
    """The observation listing and the warehouse's measures; an error text when it is busy."""
    try:
        with Warehouse.open(request.app.state.cache.url) as warehouse:
            return (
                observations.listing(warehouse, measure, area or None),
                observations.measures(warehouse),
                "",
            )
    except WarehouseError as exc:
        empty = pd.DataFrame(columns=observations.LISTING_COLUMNS)
        return empty, [], warehouse_problem(exc)[0]


@router.get("/waarden", dependencies=[Depends(_analist)])
def raw_values_page(
    request: Request,
    indicator: str = "",
    niveau: str = "",
    periode: str = "",
    bereik: str = "eigen",
    maat: str = "",
    gebied: str = "",
) -> Response:
    """Numerators and denominators without disclosure control, and the observations below them."""
    snapshot: Snapshot = request.app.state.cache.get()
    chosen = snapshot.indicator(indicator) if indicator else default_indicator(snapshot)
    if chosen is None:
        raise NotFound(f"Onbekende indicator '{indicator}'.", hint="Kies een indicator uit de lijst.")
    if niveau and niveau not in {level.value for level in AreaLevel}:
        raise BadRequest(
            f"Onbekend niveau '{niveau}'.", hint="Kies land, gemeente, stadsdeel, wijk of buurt."
        )
    area = (gebied or snapshot.municipality).strip().upper()
    if not _AREA_CODE.match(area):
        raise BadRequest(
            f"Ongeldige gebiedscode '{gebied}'.", hint="Bijvoorbeeld GM0935, WK093500 of BU09350000."
        )
    periods = _periods(snapshot, chosen.id)
    period = periode if "periode" in request.query_params else _latest_computed(snapshot, chosen.id)
    scope = "alle" if bereik == "alle" else "eigen"
    values = raw_values(snapshot, chosen.id, niveau, period, scope)
    measure = maat.strip() or chosen.numerator[0]
    listing, known_measures, busy = _observations(request, measure, area)
    return render(
        request,
        "internal/values.html",
        title="Ruwe waarden",
        stem="intern-niet-publiceren",
        tables={"waarden": values, "waarnemingen": naive(listing)},
        indicators=snapshot.definitions.indicators(),
        indicator=chosen,
        levels=list(AreaLevel),
        level=niveau,
        periods=periods,
        period=period,
        period_known=not period or period in periods,
        scope=scope,
        rows=_records(values.head(MAX_ROWS)),
        total=len(values),
        reason_text=lambda code: monitor.reason_text(code, chosen),
        measures=sorted({*known_measures, *chosen.all_measures}),
        measure=measure,
        area=area,
        own_areas=_records(snapshot.own_areas()[["code", "name", "level"]]),
        observations=_records(listing.head(MAX_ROWS)),
        observations_total=len(listing),
        busy=busy,
        max_rows=MAX_ROWS,
    )


# --------------------------------------------------------------------------- uploads


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
    )


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
            await run_in_threadpool(_analist, request)  # raises for visitors without the role
            error = _too_large_text() if too_large else "De grootte van het bestand is niet opgegeven."
            hint = "Splits het bestand, of laad het met `veiligstad import file` op de server."
            return await run_in_threadpool(
                lambda: upload_page(request, error=error, hint=hint, status_code=413 if too_large else 411)
            )

        return limited


def _file_name(upload: UploadFile) -> str:
    """The name without any folder a browser may send along."""
    return re.split(r"[\\/]", upload.filename or "")[-1].strip()[:200]


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
        with Warehouse.open(request.app.state.cache.url) as warehouse:
            report = uploads.import_bytes(
                warehouse,
                data,
                name,
                measure=maat or None,
                valid_only=alleen_goede_rijen,
                loaded_by=viewer.username or "",
                origin="dashboard /intern/uploads",
            )
    except WarehouseError as exc:
        return again(*warehouse_problem(exc), status_code=503)
    status = 400 if report.outcome == "geweigerd" else 200
    return upload_page(
        request, report=report, measure=maat, valid_only=alleen_goede_rijen, status_code=status
    )


@router.get("/uploads", dependencies=[Depends(_analist)])
def uploads_page(request: Request) -> Response:
    """The upload form."""
    return upload_page(request)


router.add_api_route(
    "/uploads",
    upload_file,
    methods=["POST"],
    dependencies=[Depends(_analist), Depends(auth.csrf_protected)],
    route_class_override=LimitedUploadRoute,
)


# --------------------------------------------------------------------------- sources


@router.get("/bronnen", dependencies=[Depends(_beheerder)])
def sources_page(request: Request) -> Response:
    """Every batch, current and replaced, with its provenance; freshness of the current ones."""
    snapshot: Snapshot = request.app.state.cache.get()
    busy = ""
    try:
        with Warehouse.open(request.app.state.cache.url) as warehouse:
            history = observations.batch_history(warehouse)
    except WarehouseError as exc:
        history, busy = pd.DataFrame(columns=observations.BATCH_COLUMNS), warehouse_problem(exc)[0]
    freshness = pd.DataFrame([vars(s) for s in snapshot.sources])
    return render(
        request,
        "internal/sources.html",
        title="Bronnenbeheer",
        stem="intern-bronnen",
        tables={"versies": naive(history), "actualiteit": naive(freshness)},
        batches=_records(history),
        sources=snapshot.sources,
        busy=busy,
    )


# --------------------------------------------------------------------------- accounts


def _accounts(request: Request) -> tuple[list[User], str]:
    """Accounts read fresh; the snapshot's (and a Dutch notice) while the warehouse is busy."""
    try:
        with Warehouse.open(request.app.state.cache.url) as warehouse:
            return accounts.users(warehouse), ""
    except WarehouseError as exc:
        return list(request.app.state.cache.get().accounts.values()), warehouse_problem(exc)[0]


def users_page(
    request: Request,
    *,
    errors: list[str] | None = None,
    name: str = "",
    role: str = "",
    status_code: int = 200,
) -> Response:
    """The account list and the form to add or replace an account."""
    known, busy = _accounts(request)
    done = {key: request.query_params.get(key, "") for key in ("toegevoegd", "bijgewerkt", "verwijderd")}
    return render(
        request,
        "internal/users.html",
        title="Gebruikers",
        status_code=status_code,
        users=known,
        roles=list(Role),
        errors=errors or [],
        name=name,
        role=role or Role.ANALIST.value,
        done=done,
        busy=busy,
        min_password=MIN_PASSWORD_LENGTH,
    )


@router.get("/gebruikers", dependencies=[Depends(_beheerder)])
def users_list(request: Request) -> Response:
    """Every account with its role."""
    return users_page(request)


def _account_errors(viewer: auth.Viewer, name: str, role: str, password: str, repeated: str) -> list[str]:
    errors = []
    if not name:
        errors.append("Vul een gebruikersnaam in.")
    if role not in {r.value for r in Role}:
        errors.append("Kies een rol.")
    elif name == viewer.username and Role(role) is not viewer.role:
        errors.append("Je kunt je eigen rol niet wijzigen; laat een andere beheerder dat doen.")
    if not password:
        errors.append("Vul een wachtwoord in.")
    elif password != repeated:
        errors.append("De twee wachtwoorden zijn niet gelijk.")
    return errors


@router.post("/gebruikers", dependencies=[Depends(_beheerder), Depends(auth.csrf_protected)])
def save_user(
    request: Request,
    viewer: Beheerder,
    gebruikersnaam: Annotated[str, Form(max_length=64)] = "",
    rol: Annotated[str, Form(max_length=32)] = "",
    wachtwoord: Annotated[str, Form(max_length=1024)] = "",
    wachtwoord_herhaald: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Add an account or replace one (new role and password); the password is never shown."""
    name = gebruikersnaam.strip().lower()
    form = {"name": name, "role": rol}
    errors = _account_errors(viewer, name, rol, wachtwoord, wachtwoord_herhaald)
    if errors:
        return users_page(request, errors=errors, status_code=400, **form)
    try:
        with Warehouse.open(request.app.state.cache.url) as warehouse:
            existed = any(u.username == name for u in accounts.users(warehouse))
            accounts.add_user(warehouse, name, Role(rol), wachtwoord, created_by=viewer.username or "")
    except ConfigError as exc:
        return users_page(request, errors=[f"{exc.message} {exc.hint}".strip()], status_code=400, **form)
    except WarehouseError as exc:
        return users_page(request, errors=[warehouse_problem(exc)[0]], status_code=503, **form)
    done = "bijgewerkt" if existed else "toegevoegd"
    return RedirectResponse(f"/intern/gebruikers?{urlencode({done: name})}", status_code=303)


@router.post(
    "/gebruikers/{username}/verwijderen", dependencies=[Depends(_beheerder), Depends(auth.csrf_protected)]
)
def delete_user(request: Request, viewer: Beheerder, username: str) -> Response:
    """Remove an account; never one's own."""
    if username == viewer.username:
        error = "Je kunt je eigen account niet verwijderen; laat een andere beheerder dat doen."
        return users_page(request, errors=[error], status_code=400)
    try:
        with Warehouse.open(request.app.state.cache.url) as warehouse:
            accounts.remove_user(warehouse, username)
    except NotFound:
        return users_page(request, errors=[f"Er is geen account '{username}'."], status_code=404)
    except WarehouseError as exc:
        return users_page(request, errors=[warehouse_problem(exc)[0]], status_code=503)
    return RedirectResponse(f"/intern/gebruikers?{urlencode({'verwijderd': username})}", status_code=303)
