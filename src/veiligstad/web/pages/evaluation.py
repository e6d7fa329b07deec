# SPDX-License-Identifier: EUPL-1.2
"""Intern: the yearly evaluation of the uitvoeringsprogramma (``/intern/evaluatie/{year}``).

Per theme the indicators' change against the previous measurement and the baseline with
their significance labels (``services.evaluation``, on the raw values: this page is for
analysts), the year's actions with status and evaluation, and a form for the author's
conclusions and proposed adjustments per theme. Saving writes an audit entry.

Computed once per snapshot (its memo): the indicators' changes per year, and the actions and
conclusions as read from the warehouse (any change to them is a new warehouse state). The page
asks the snapshot cache to check the warehouse now, so a saved conclusion shows at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from veiligstad.domain.accounts import Role
from veiligstad.domain.actions import METHOD_LABELS, Action, ThemeConclusion, YearEvaluation
from veiligstad.errors import BadRequest, WarehouseError
from veiligstad.services import evaluation as evaluation_service
from veiligstad.services import warehouses
from veiligstad.services.actions import ActionsError
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import auth, errors
from veiligstad.web.api.memo import memoised
from veiligstad.web.pages.action_form import BUSY, Submitted, busy_page, today
from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)

_analist = auth.require(Role.ANALIST)
Analist = Annotated[auth.Viewer, Depends(_analist)]
Year = Annotated[int, Path(ge=2000, le=2100)]


@router.get("/intern/evaluatie", dependencies=[Depends(_analist)])
def latest_evaluation() -> Response:
    """The evaluation of last year (the year an evaluation is usually written about)."""
    return RedirectResponse(f"/intern/evaluatie/{today().year - 1}", status_code=303)


def _stored(request: Request, year: int) -> tuple[list[Action], YearEvaluation | None]:
    """The actions and the saved conclusions of ``year``, read from the warehouse. Kept in the
    snapshot's memo: a change to either is a new warehouse state, so a new snapshot."""
    with warehouses.opened(request.app.state.cache.url) as warehouse:
        return evaluation_service.stored(warehouse, year)


def evaluation_page(
    request: Request, year: int, *, errors_found: list[str] | None = None, status_code: int = 200
) -> Response:
    """The evaluation of ``year`` with the conclusions form."""
    snapshot: Snapshot = request.app.state.cache.get(fresh=True)  # shows what was just saved
    try:
        actions, saved = memoised(snapshot, (__name__, year), tuple, lambda: _stored(request, year))
    except WarehouseError:
        return busy_page(request)
    result = evaluation_service.evaluate(
        snapshot.definitions, snapshot.values, actions, saved, year, memo=snapshot.memo
    )
    years = sorted({a.year for a in actions} | {year})
    return render(
        request,
        "actions/evaluation.html",
        title=f"Evaluatie uitvoeringsprogramma {year}",
        stem=f"evaluatie-{year}",
        status_code=status_code,
        tables={"evaluatie": lambda: evaluation_service.evaluation_frame(result)},
        result=result,
        year=year,
        previous_year=year - 1,
        next_year=year + 1,
        years=years,
        errors=errors_found or [],
        saved_notice=request.query_params.get("opgeslagen", ""),
        method_labels={m.value: label for m, label in METHOD_LABELS.items()},
    )


@router.get("/intern/evaluatie/{year}", dependencies=[Depends(_analist)])
def evaluation_form(request: Request, year: Year) -> Response:
    """Per theme: indicators with labels, actions, and the conclusions form."""
    return evaluation_page(request, year)


def conclusions_from_form(form: FormData, year: int, theme_ids: list[str]) -> YearEvaluation:
    """The year evaluation from the posted form; an incomplete form is a ``BadRequest``."""
    if not any(f"conclusie-{theme}" in form for theme in theme_ids):
        raise BadRequest(
            "Het formulier is onvolledig: er staan geen thema's in.",
            hint="Open de evaluatiepagina opnieuw en vul de conclusies daar in.",
        )
    themes = [
        ThemeConclusion(
            theme=theme,
            conclusion=str(form.get(f"conclusie-{theme}", "")).strip(),
            adjustments=str(form.get(f"bijstellingen-{theme}", "")).splitlines(),
        )
        for theme in theme_ids
    ]
    return YearEvaluation(
        year=year,
        summary=str(form.get("samenvatting", "")).strip(),
        author=str(form.get("auteur", "")).strip()[:200],
        themes=themes,
    )


@router.post("/intern/evaluatie/{year}", dependencies=[Depends(_analist), Depends(auth.csrf_protected)])
def save_evaluation(request: Request, viewer: Analist, year: Year, form: Submitted) -> Response:
    """Save the conclusions and adjustments of the year (with an audit entry)."""
    snapshot: Snapshot = request.app.state.cache.get()
    theme_ids = [t.id for t in snapshot.definitions.programme.themes]
    written = conclusions_from_form(form, year, theme_ids)
    try:
        with warehouses.opened(request.app.state.cache.url) as warehouse:
            saved = evaluation_service.save_conclusions(
                warehouse, written, snapshot.definitions, user=viewer.username or "", note="dashboard"
            )
    except ActionsError as exc:
        return evaluation_page(
            request, year, errors_found=[p.render() for p in exc.problems], status_code=400
        )
    except WarehouseError:
        return errors.page(request, 503, BUSY)
    state = "ja" if saved is not None else "ongewijzigd"
    return RedirectResponse(f"/intern/evaluatie/{year}?opgeslagen={state}", status_code=303)
