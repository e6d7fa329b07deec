# SPDX-License-Identifier: EUPL-1.2
"""Thema: one theme of the programme — its indicators with the latest value, the change
since the baseline with its significance, the verdict, and a small trend per indicator."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request, Response

from veiligstad.definitions.glossary import glossary
from veiligstad.domain.indicators import Indicator
from veiligstad.domain.programme import Theme
from veiligstad.errors import NotFound
from veiligstad.reports import charts
from veiligstad.services import monitor
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import auth, downloads, i18n
from veiligstad.web.pages.indicators import KIND_LABELS, own_rows, rows_of, trend_table, without_empty_layers
from veiligstad.web.pages.programme import status_table
from veiligstad.web.templating import render, script_json

router = APIRouter(include_in_schema=False)

#: Size of the small trend charts (the indicator page has the full one).
SMALL = {"width": 300, "height": 150}

#: Why an indicator has no small chart (fixed Dutch sentences, translated).
NO_SERIES = "Geen berekende reeks"
ONE_YEAR = "Eén berekend jaar: te weinig voor een reeks"
PUBLISHED_ONLY = "wel gepubliceerde waarden uit het programma"

#: The trend columns shown under a small chart and downloaded as ``reeksen``.
SERIES_COLUMNS = ["jaar", "waarde", "interval_laag", "interval_hoog", "gepubliceerd", "afgeschermd"]


def theme_or_404(snapshot: Snapshot, theme_id: str) -> Theme:
    """The programme's theme, or a NotFound that the error page explains."""
    theme = snapshot.definitions.programme.theme(theme_id)
    if theme is None:
        raise NotFound(
            f"Onbekend thema '{theme_id}'.",
            hint="De thema's staan op de pagina Programma (/programma).",
        )
    return theme


def small_trend(table: pd.DataFrame, indicator: Indicator, lang: str = i18n.DEFAULT) -> dict[str, Any]:
    """A small trend chart with its interval band and the published values, in ``lang``."""
    frame = pd.DataFrame(
        {
            "year": table["jaar"].astype(float),
            "value": table["waarde"].astype(float),
            "ci_low": table["interval_laag"].astype(float),
            "ci_high": table["interval_hoog"].astype(float),
        }
    )
    published = pd.DataFrame({"year": table["jaar"], "published_value": table["gepubliceerd"].astype(float)})
    unit = i18n.translate(indicator.unit, lang)
    spec = charts.trend(frame, unit=unit, decimals=indicator.decimals, published=published, lang=lang)
    small = {**without_empty_layers(spec, unit), **SMALL}
    small["config"] = {**small.get("config", {}), "legend": {"disable": True}}
    return small


def why_no_chart(table: pd.DataFrame, row: monitor.StatusRow) -> dict[str, str]:
    """A sentence (and detail) saying why an indicator has no small trend chart."""
    computed = table[table["waarde"].notna()] if not table.empty else table
    published = table[table["gepubliceerd"].notna()] if not table.empty else table
    extra = ""
    if not published.empty:
        extra = f"{int(published['jaar'].min())}–{int(published['jaar'].max())}"
    if len(computed) == 1:
        return {"text": ONE_YEAR, "detail": str(int(computed["jaar"].iloc[0])), "published": extra}
    return {"text": NO_SERIES, "detail": row.reason, "published": extra}


def indicator_card(snapshot: Snapshot, row: monitor.StatusRow, lang: str = i18n.DEFAULT) -> dict[str, Any]:
    """What the theme page shows for one indicator, its chart in ``lang`` (per snapshot)."""
    indicator = row.indicator
    key = ("themes", "card", indicator.id, lang)
    if key not in snapshot.memo:
        rows = own_rows(snapshot, indicator)
        table = trend_table(rows, indicator) if not rows.empty else pd.DataFrame(columns=SERIES_COLUMNS)
        computed = int(table["waarde"].notna().sum())
        snapshot.memo[key] = {
            "row": row,
            "kind": KIND_LABELS[indicator.kind],
            "verdict": monitor.verdict(indicator, row.comparison),
            "table": table[SERIES_COLUMNS].assign(indicator_id=indicator.id)[
                ["indicator_id", *SERIES_COLUMNS]
            ],
            "rows": rows_of(table[SERIES_COLUMNS]),
            "spec": script_json(small_trend(table, indicator, lang)) if computed >= 2 else None,
            "why": None if computed >= 2 else why_no_chart(table, row),
        }
    card: dict[str, Any] = snapshot.memo[key]
    return card


@router.get("/themas/{theme_id}")
def theme_page(request: Request, theme_id: str) -> Response:
    """A theme with its indicators, their change since the baseline and a small trend each."""
    snapshot: Snapshot = request.app.state.cache.get()
    theme = theme_or_404(snapshot, theme_id)
    status = [row for row in snapshot.status if row.theme_id == theme.id]
    lang = auth.viewer(request).lang
    cards = [indicator_card(snapshot, row, lang) for row in status]
    overview = status_table(snapshot)
    overview = overview[overview["indicator_id"].isin([row.indicator.id for row in status])]
    series = [c["table"] for c in cards if not c["table"].empty]
    return render(
        request,
        "themes/detail.html",
        words=glossary().pick(
            "speerpunt",
            "per-1000-inwoners",
            "schaalscore",
            "hic",
            "groter-dan-toeval",
            "basisjaar",
            "haaldelict",
        ),
        title=theme.text("name", auth.viewer(request).lang),
        stem=f"thema-{theme.id}",
        tables={
            "indicatoren": overview.reset_index(drop=True),
            "reeksen": downloads.with_decimals(
                pd.concat(series, ignore_index=True) if series else pd.DataFrame(columns=SERIES_COLUMNS),
                downloads.most_decimals(row.indicator for row in status),
            ),
        },
        theme=theme,
        cards=cards,
        others=[t for t in snapshot.definitions.programme.themes if t.id != theme.id],
    )
