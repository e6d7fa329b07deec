# SPDX-License-Identifier: EUPL-1.2
"""Jinja2 pages: one environment, Dutch (or English) formatting filters, and ``render``.

``render`` is what every page handler returns. It adds what the base layout needs (viewer,
language, navigation, data date) and answers ``?download=<table>&format=csv|xlsx`` with the
named table instead of the page, so every table and chart on a page has a stable download
URL next to it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from veiligstad import formatting
from veiligstad.engine.significance import Signal
from veiligstad.web import auth, downloads, i18n

TEMPLATES = Path(__file__).parent / "templates"

#: Main navigation: (path, Dutch label).
NAVIGATION = (
    ("/programma", "Programma"),
    ("/indicatoren", "Indicatoren"),
    ("/gebieden", "Gebieden"),
    ("/kaart", "Kaart"),
    ("/hotspots", "Hotspots"),
    ("/signalen", "Signalen"),
    ("/acties", "Acties"),
    ("/rapporten", "Rapporten"),
    ("/bronnen", "Bronnen"),
    ("/methode", "Methode"),
)

#: CSS class per significance label (colour is never the only cue: the label is text).
SIGNAL_CLASS = {
    Signal.ROSE: "signal-up",
    Signal.FELL: "signal-down",
    Signal.NO_CHANGE: "signal-none",
    Signal.TOO_LITTLE: "signal-little",
}

EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value)) or value is pd.NA


def number(value: Any, decimals: int = 0, lang: str = i18n.DEFAULT) -> str:
    """A number for people, Dutch (``1.234,5``) or English (``1,234.5``)."""
    if _missing(value):
        return formatting.MISSING
    if lang == "en":
        return f"{float(value):,.{decimals}f}"
    return formatting.number(float(value), decimals)


def date(value: dt.date | dt.datetime | None, lang: str = i18n.DEFAULT) -> str:
    """``31 januari 2023`` or ``31 January 2023``."""
    if value is None:
        return formatting.MISSING
    if lang == "en":
        return f"{value.day} {EN_MONTHS[value.month - 1]} {value.year}"
    return formatting.date(value)


class ScriptJson(Markup):
    """JSON already made safe for a ``<script type="application/json">`` element (``script_json``).

    Pages keep the big chart and map specs of a snapshot in this form in its memo: writing a
    map of all gemeenten as JSON took a quarter of a logged-in area page."""


def script_json(data: Any) -> ScriptJson:
    r"""JSON safe to put inside a ``<script type="application/json">`` element.

    >>> print(script_json({"name": "</script><b>&"}))
    {"name": "\u003c/script\u003e\u003cb\u003e\u0026"}
    >>> kept = script_json([1, 2]); _json_script(kept) is kept
    True
    """
    text = json.dumps(data, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return ScriptJson(text)  # escaped above for the script context


def _json_script(data: Any) -> Markup:
    """The ``json_script`` filter: ``script_json``, unless the data are in that form already."""
    return data if isinstance(data, ScriptJson) else script_json(data)


def environment() -> Environment:
    """The Jinja2 environment of the dashboard."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "xml")),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates are package files: no stat() of every template per page
    )
    env.filters["json_script"] = _json_script
    env.globals["NAVIGATION"] = NAVIGATION
    env.globals["SIGNAL_CLASS"] = SIGNAL_CLASS
    return env


ENV = environment()


def url_with(request: Request, **params: Any) -> str:
    """This page's URL with some query parameters replaced (None removes one)."""
    query = dict(request.query_params)
    for key, value in params.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    if "lang" not in params:
        query.pop("lang", None)  # a shared link keeps the reader's own language
    return request.url.path + (f"?{urlencode(query)}" if query else "")


def render(
    request: Request,
    template: str,
    *,
    title: str,
    tables: Mapping[str, downloads.Table] | None = None,
    stem: str = "",
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a page, or answer a ``?download=`` request with one of its tables."""
    seen = auth.viewer(request)
    wanted = request.query_params.get("download")
    if wanted and tables is not None:
        frame = downloads.pick(tables, wanted)
        fmt = request.query_params.get("format", "csv")
        return downloads.table_response(frame, stem or title, wanted, fmt, seen.lang)
    lang = seen.lang
    snapshot = request.app.state.cache.get()
    programme = snapshot.definitions.programme

    def translate(text: str) -> str:
        return i18n.translate(text, lang)

    def download_links(table: str) -> Markup:
        links = " · ".join(
            f'<a href="{Markup.escape(url_with(request, download=table, format=fmt))}" '
            f"download>{fmt.upper()}</a>"
            for fmt in downloads.OFFERED
        )
        label = Markup.escape(translate("Download deze tabel"))
        return Markup(f'<p class="downloads">{label}: {links}</p>')  # the parts are escaped

    body = ENV.get_template(template).render(
        request=request,
        viewer=seen,
        lang=lang,
        _=translate,
        num=lambda value, decimals=0: number(value, decimals, lang),
        fmt_date=lambda value: date(value, lang),
        url_with=lambda **params: url_with(request, **params),
        download_links=download_links,
        title=translate(title),
        programme=programme,
        snapshot=snapshot,
        current_path=request.url.path,
        **context,
    )
    response = HTMLResponse(body, status_code=status_code)
    forms = seen.user is not None or request.url.path.startswith(("/inloggen", "/intern"))
    auth.remember(response, seen, auth.request_is_secure(request), forms)
    return response
