# SPDX-License-Identifier: EUPL-1.2
"""Acties: the public view of the uitvoeringsprogramma — per year and theme, and one action.

Only public actions (``confidentiality: openbaar``) are shown. The list can be narrowed to an
indicator (``?indicator=``), a theme (``?thema=``), an area and everything inside or around
it (``?gebied=``) and a year (``?jaar=``), so theme, indicator and area pages can link to
"the actions meant to move this". The actions are read once per snapshot: every saved change
writes an audit entry, which changes the warehouse state and so the snapshot (and the cache
of anonymous pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from veiligstad.domain.accounts import Role
from veiligstad.domain.actions import METHOD_LABELS, Action
from veiligstad.errors import BadRequest, NotFound, WarehouseError
from veiligstad.services import actions as action_service
from veiligstad.services import monitor, warehouses
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import auth, errors
from veiligstad.web.api.memo import memoised
from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)

UNREADABLE = "De acties zijn op dit moment niet te lezen; probeer het zo opnieuw."

#: The YAML shown on the empty page: the smallest useful action.
EXAMPLE_YAML = """year: 2025
actions:
  - title: "Titel van de actie"
    themes: [{theme}]
    indicators: [{indicator}]
    areas: [{area}]
    lead: "Trekker (team of organisatie)"
    status: gepland"""


def read_actions(request: Request, snapshot: Snapshot) -> list[Action]:
    """Every stored action, read once per snapshot (a short-lived connection; the list is shared:
    do not change it).

    Raises ``WarehouseError`` while the warehouse cannot be opened (another process writes).
    """
    url = request.app.state.cache.url

    def read() -> list[Action]:
        with warehouses.opened(url) as warehouse:
            return action_service.list_actions(warehouse)

    return memoised(snapshot, ("actions", "all"), list, read)  # concurrent first requests read once


@dataclass(frozen=True)
class Filters:
    """The checked query parameters of /acties."""

    year: int | None = None
    theme: str | None = None
    indicator: str | None = None
    area: str | None = None

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any(v is not None for v in (self.year, self.theme, self.indicator, self.area))


def filters(snapshot: Snapshot, jaar: str, thema: str, indicator: str, gebied: str) -> Filters:
    """Check the query parameters; unknown ids are a 404 with a hint, a bad year a 400."""
    year = None
    if jaar.strip():
        if not jaar.strip().isdigit():
            raise BadRequest(f"Ongeldig jaar '{jaar}'.", hint="Geef een jaartal, bijvoorbeeld ?jaar=2025.")
        year = int(jaar)
    theme = thema.strip() or None
    if theme is not None and snapshot.definitions.programme.theme(theme) is None:
        raise NotFound(
            f"Onbekend thema '{theme}'.", hint="De thema's staan op de pagina Programma (/programma)."
        )
    chosen = indicator.strip() or None
    if chosen is not None and snapshot.indicator(chosen) is None:
        raise NotFound(f"Onbekende indicator '{chosen}'.", hint="De indicatoren staan op /indicatoren.")
    area = gebied.strip().upper() or None
    if area is not None and snapshot.area(area) is None:
        raise NotFound(f"Onbekend gebied '{gebied}'.", hint="De gebieden staan op /gebieden.")
    return Filters(year, theme, chosen, area)


def chosen_actions(snapshot: Snapshot, actions: list[Action], chosen: Filters) -> list[Action]:
    """The public actions that match the filters."""
    areas = None if chosen.area is None else action_service.related_areas(snapshot.areas, chosen.area)
    if chosen.area is not None and chosen.area == snapshot.municipality:
        areas = None  # the whole gemeente: every action, also those without areas
    return action_service.select(
        actions,
        year=chosen.year,
        theme=chosen.theme,
        indicator=chosen.indicator,
        areas=areas,
        public_only=True,
    )


def grouped(snapshot: Snapshot, actions: list[Action]) -> list[dict[str, Any]]:
    """Per year (newest first), per programme theme (in programme order), the actions."""
    themes = snapshot.definitions.programme.themes
    out = []
    for year in action_service.years(actions):
        of_year = [a for a in actions if a.year == year]
        per_theme = [(t, [a for a in of_year if t.id in a.themes]) for t in themes]
        out.append({"year": year, "count": len(of_year), "themes": [(t, a) for t, a in per_theme if a]})
    return out


def area_name(snapshot: Snapshot, code: str) -> str:
    """The area's name (its code when it has none); the gemeente's own areas from a table
    built once per snapshot, others looked up."""
    key = ("actions", "area-names")
    if key not in snapshot.memo:
        own = snapshot.own_areas()
        snapshot.memo[key] = {str(c): str(n or c) for c, n in zip(own["code"], own["name"], strict=True)}
    names: dict[str, str] = snapshot.memo[key]
    if code in names:
        return names[code]
    found = snapshot.area(code)
    return str(found["name"]) if found and found.get("name") else code


def indicator_name(snapshot: Snapshot, indicator_id: str, lang: str) -> str:
    """The indicator's name in the viewer's language (its id when unknown)."""
    key = ("actions", "indicator-names", lang)
    if key not in snapshot.memo:
        indicators = snapshot.definitions.indicators()
        snapshot.memo[key] = {i.id: i.name_en if lang == "en" else i.name for i in indicators}
    names: dict[str, str] = snapshot.memo[key]
    return names.get(indicator_id, indicator_id)


def _area_options(snapshot: Snapshot) -> list[dict[str, str]]:
    own = snapshot.own_areas()
    order = {"gemeente": 0, "stadsdeel": 1, "wijk": 2, "buurt": 3}
    rows = sorted(
        own.to_dict(orient="records"), key=lambda r: (order.get(str(r["level"]), 9), str(r["code"]))
    )
    return [
        {"code": str(r["code"]), "name": str(r["name"] or r["code"]), "level": str(r["level"])} for r in rows
    ]


def _example(snapshot: Snapshot) -> str:
    programme = snapshot.definitions.programme
    indicator = programme.indicators[0].id if programme.indicators else "misdrijven-totaal"
    return EXAMPLE_YAML.format(theme=programme.themes[0].id, indicator=indicator, area=programme.municipality)


@router.get("/acties")
def actions_page(
    request: Request, jaar: str = "", thema: str = "", indicator: str = "", gebied: str = ""
) -> Response:
    """The public actions per year and theme, filtered; how to add them when there are none."""
    snapshot: Snapshot = request.app.state.cache.get()
    chosen = filters(snapshot, jaar, thema, indicator, gebied)
    try:
        stored = read_actions(request, snapshot)
    except WarehouseError:
        return errors.page(request, 503, UNREADABLE)
    public = [a for a in stored if a.is_public]
    found = chosen_actions(snapshot, stored, chosen)
    return render(
        request,
        "actions/index.html",
        title="Acties",
        stem="acties",
        tables={"acties": lambda: action_service.actions_frame(found)},
        chosen=chosen,
        groups=grouped(snapshot, found),
        total=len(found),
        has_any=bool(public),
        years=action_service.years(public),
        themes=snapshot.definitions.programme.themes,
        indicators=snapshot.definitions.indicators(),
        area_options=_area_options(snapshot),
        chosen_indicator=snapshot.indicator(chosen.indicator) if chosen.indicator else None,
        chosen_theme=snapshot.definitions.programme.theme(chosen.theme) if chosen.theme else None,
        chosen_area=area_name(snapshot, chosen.area) if chosen.area else "",
        area_name=lambda code: area_name(snapshot, code),
        indicator_name=lambda indicator_id: indicator_name(snapshot, indicator_id, auth.viewer(request).lang),
        example_yaml=_example(snapshot),
    )


def public_action(actions: list[Action], action_id: str) -> Action:
    """A public action, or 404 (internal actions are not shown on public pages)."""
    found = next((a for a in actions if a.id == action_id and a.is_public), None)
    if found is None:
        raise NotFound(f"Er is geen (openbare) actie '{action_id}'.", hint="Alle acties staan op /acties.")
    return found


def indicator_rows(snapshot: Snapshot, action: Action) -> list[dict[str, Any]]:
    """The action's indicators with the programme status (latest value, verdict) where known."""
    status = {row.indicator.id: row for row in snapshot.status}
    rows = []
    for indicator_id in action.indicators:
        indicator = snapshot.indicator(indicator_id)
        if indicator is None:
            continue
        row = status.get(indicator_id)
        verdict = monitor.verdict(indicator, row.comparison) if row else None
        rows.append({"indicator": indicator, "status": row, "verdict": verdict})
    return rows


@router.get("/acties/{action_id}")
def action_page(request: Request, action_id: str) -> Response:
    """One action: goals, themes, indicators, areas, partners, progress and evaluation."""
    snapshot: Snapshot = request.app.state.cache.get()
    try:
        stored = read_actions(request, snapshot)
    except WarehouseError:
        return errors.page(request, 503, UNREADABLE)
    action = public_action(stored, action_id)
    programme = snapshot.definitions.programme
    return render(
        request,
        "actions/detail.html",
        title=action.title,
        stem=f"actie-{action.id}",
        tables={"actie": lambda: action_service.actions_frame([action])},
        action=action,
        themes=[t for t in programme.themes if t.id in action.themes],
        indicator_rows=indicator_rows(snapshot, action),
        areas=[(code, area_name(snapshot, code)) for code in action.areas],
        method_labels={m.value: label for m, label in METHOD_LABELS.items()},
        progress=sorted(action.progress, key=lambda note: note.date, reverse=True),
        can_edit=auth.viewer(request).allows(Role.ANALIST),
    )
