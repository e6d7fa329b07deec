# SPDX-License-Identifier: EUPL-1.2
"""CSV and XLSX downloads of the tables a page shows (``?download=<table>&format=csv|xlsx``)."""

from __future__ import annotations

import io
import re

import pandas as pd
from fastapi import Response

from veiligstad import formatting
from veiligstad.errors import BadRequest, NotFound

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_SAFE = re.compile(r"[^a-z0-9\-]+")


def filename(stem: str, table: str, fmt: str) -> str:
    """A safe file name: ``veiligstad-<stem>-<table>.<fmt>``.

    >>> filename("Indicator misdrijven-totaal", "trend", "csv")
    'veiligstad-indicator-misdrijven-totaal-trend.csv'
    """
    clean = _SAFE.sub("-", f"{stem}-{table}".lower()).strip("-")
    return f"veiligstad-{clean}.{fmt}"


def table_response(frame: pd.DataFrame, stem: str, table: str, fmt: str) -> Response:
    """The table as a file download; CSV is UTF-8 with a BOM so Excel reads the accents.

    Text that a spreadsheet would run as a formula (an action titled ``=HYPERLINK(…)``, an
    imported area name) is written as text: ``formatting.spreadsheet_safe``."""
    if fmt not in FORMATS:
        raise BadRequest(f"Onbekend formaat '{fmt}'.", hint="Kies csv of xlsx.")
    frame = formatting.spreadsheet_safe(frame)
    if fmt == "csv":
        body = frame.to_csv(index=False).encode("utf-8-sig")
    else:
        frame = _naive(frame)
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, index=False, sheet_name=table[:31] or "tabel")
        body = buffer.getvalue()
    headers = {"Content-Disposition": f'attachment; filename="{filename(stem, table, fmt)}"'}
    return Response(body, media_type=FORMATS[fmt], headers=headers)


def _naive(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones: timestamps become naive UTC (CSV keeps the offset)."""
    zoned = [c for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)]
    if not zoned:
        return frame
    frame = frame.copy()
    for column in zoned:
        frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def pick(tables: dict[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """The table a download asks for; NotFound lists the ones the page has."""
    if name not in tables:
        known = ", ".join(sorted(tables)) or "geen"
        raise NotFound(f"Deze pagina heeft geen tabel '{name}'.", hint=f"Beschikbaar: {known}.")
    return tables[name]
