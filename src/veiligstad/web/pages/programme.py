# SPDX-License-Identifier: EUPL-1.2
"""Programma: the MJP at a glance — themes, indicators, latest value, change since the baseline."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from veiligstad.definitions.glossary import glossary
from veiligstad.reports import language
from veiligstad.services import monitor
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import auth
from veiligstad.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    """The programme is the start page (the query, e.g. ``?lang=en``, goes along)."""
    query = request.url.query
    return RedirectResponse("/programma" + (f"?{query}" if query else ""), status_code=307)


def status_table(snapshot: Snapshot) -> pd.DataFrame:
    """One row per programme indicator: baseline, latest, change and verdict (download)."""
    themes = {t.id: t.name for t in snapshot.definitions.programme.themes}
    rows = []
    for row in snapshot.status:
        comparison = row.comparison
        rows.append(
            {
                "thema": themes.get(row.theme_id or "", "context"),
                "indicator_id": row.indicator.id,
                "indicator": row.indicator.name,
                "eenheid": row.indicator.unit,
                "basisjaar": row.baseline_year,
                "basiswaarde": _rounded(row.baseline_value, row.indicator.decimals),
                "basisbron": row.baseline_source,
                "laatste_jaar": row.latest_year,
                "laatste_waarde": _rounded(row.latest_value, row.indicator.decimals),
                "laatste_bron": row.latest_source,
                "significantie": comparison.signal.value if comparison else "te weinig gegevens",
                "p_waarde": comparison.p_value if comparison else None,
                "oordeel": monitor.verdict(row.indicator, comparison),
                "toelichting": "; ".join(x for x in (row.note, row.reason) if x),
            }
        )
    return pd.DataFrame(rows)


def _rounded(value: float | None, decimals: int) -> float | None:
    """A figure as the page shows it (indicators differ in decimals, so per row, not per column)."""
    return None if value is None else round(value, decimals)


@router.get("/programma")
def programme_page(request: Request) -> Response:
    """Themes with their indicators and a verdict based on the intervals."""
    snapshot: Snapshot = request.app.state.cache.get()
    programme = snapshot.definitions.programme
    by_theme: dict[str | None, list[monitor.StatusRow]] = {}
    for row in snapshot.status:
        by_theme.setdefault(row.theme_id, []).append(row)
    verdicts = {row.indicator.id: monitor.verdict(row.indicator, row.comparison) for row in snapshot.status}
    theme_verdicts = {theme: monitor.theme_verdict(rows) for theme, rows in by_theme.items() if theme}
    return render(
        request,
        "programme.html",
        title="Programma",
        stem="programma",
        tables={"status": lambda: status_table(snapshot)},  # made for a download only
        themes=programme.themes,
        by_theme=by_theme,
        verdicts=verdicts,
        theme_verdicts=theme_verdicts,
        words=glossary().pick(
            "speerpunt",
            "per-1000-inwoners",
            "schaalscore",
            "hic",
            "groter-dan-toeval",
            "nog-niet-te-zeggen",
            "basisjaar",
            "haaldelict",
            "veiligheidsmonitor",
        ),
        engine_text=lambda text: language.label_in(str(text or ""), auth.viewer(request).lang),
    )
