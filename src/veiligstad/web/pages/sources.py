# SPDX-License-Identifier: EUPL-1.2
"""Bronnen: every current source with its provenance and freshness, and how to cite it.

The freshness comes from the snapshot (``services.freshness.SourceStatus``). Licence,
attribution, publisher and origin are not part of that status; they are read once per
snapshot from the warehouse's batch records (a short-lived connection) and kept in the
snapshot's memo. The page is public: it shows the file hash (provenance) but not the name
of the account that loaded a file.

In English (``?lang=en``) the labels, refresh rules, freshness warnings and the licence notes
that veiligstad wrote are English. A source's title stays as its publisher published it (a
citation must name it so), marked ``lang="nl"``: no English title of these tables could be
checked (the CBS and police metadata at hand are Dutch only). Attributions ("Bron: CBS")
are the words to cite and stay Dutch as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request, Response

from veiligstad.services import bootstrap, warehouses
from veiligstad.services.freshness import SourceStatus
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import auth, i18n
from veiligstad.web.templating import date, render

router = APIRouter(include_in_schema=False)

#: Batch kind → Dutch label (also the translation key).
KIND_LABELS = {
    "embedded": "ingebouwd",
    "cbs": "CBS",
    "upload": "upload",
    "boundaries": "grenzen",
}

#: Batch columns that are provenance but not part of ``SourceStatus``.
DETAIL_COLUMNS = ("publisher", "attribution", "licence", "origin", "file", "notes")


@dataclass(frozen=True)
class Source:
    """One current source as the page shows it: its freshness and its batch details."""

    status: SourceStatus
    publisher: str = ""
    attribution: str = ""
    licence: str = ""
    origin: str = ""
    file: str = ""
    notes: str = ""

    @property
    def kind_label(self) -> str:
        """``ingebouwd``, ``CBS``, ``upload`` or ``grenzen`` (else the stored kind)."""
        return KIND_LABELS.get(self.status.kind, self.status.kind)

    @property
    def title_parts(self) -> tuple[str, str]:
        """The publisher's title (kept as published) and what veiligstad wrote itself (translated):
        the whole title of the embedded area register, the note on a derived source.

        >>> from types import SimpleNamespace
        >>> status = SimpleNamespace(title="Integrale Veiligheidsanalyse" + bootstrap.MAPPED_SUFFIX)
        >>> Source(status).title_parts  # type: ignore[arg-type]
        ('Integrale Veiligheidsanalyse', 'gekoppeld aan politiecodes')
        """
        title = self.status.title
        if title == bootstrap.AREAS_TITLE:
            return "", title
        if title.endswith(bootstrap.MAPPED_SUFFIX):
            return title.removesuffix(bootstrap.MAPPED_SUFFIX), bootstrap.MAPPED_SUFFIX.removeprefix(" — ")
        return title, ""

    @property
    def anchor(self) -> str:
        """The id of this source's provenance block on the page."""
        return f"bron-{self.status.source_id}"


def _age(months: int) -> str:
    """An age in English, as ``services.freshness`` writes it in Dutch.

    >>> _age(1), _age(11), _age(12), _age(35)
    ('1 month', '11 months', '1 year', '2 years and 11 months')
    """
    years, rest = divmod(months, 12)
    year_text = f"{years} year" if years == 1 else f"{years} years"
    month_text = f"{rest} month" if rest == 1 else f"{rest} months"
    if years and rest:
        return f"{year_text} and {month_text}"
    return year_text if years else month_text


def warning(status: SourceStatus, lang: str) -> str:
    """The freshness warning in ``lang``: the Dutch of ``services.freshness``, or English built from
    the same facts (newest period, its age, the date a newer one was due)."""
    if lang == i18n.DEFAULT or not status.warning:
        return status.warning
    if status.newest_period is None or status.due is None or status.age_months is None:
        return "snapshot without figures"
    parts = []
    if status.snapshot:
        age = _age(max(status.age_months, 0))
        parts.append(f"snapshot: newest period {status.newest_period} is {age} old")
    if status.outdated:
        parts.append(f"out of date: a newer period was expected before {date(status.due, lang)}")
    return "; ".join(parts)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def read_details(url: str) -> dict[str, dict[str, str]]:
    """Publisher, attribution, licence, origin, file and notes of every current batch."""
    with warehouses.opened(url) as warehouse:
        batches = warehouse.batches()
        current = batches.filter(batches.replaced_by.isnull())
        frame = current.select("source_id", *DETAIL_COLUMNS).to_pandas()
    return {
        str(row["source_id"]): {column: _text(row[column]) for column in DETAIL_COLUMNS}
        for row in frame.to_dict(orient="records")
    }


def batch_details(request: Request, snapshot: Snapshot) -> dict[str, dict[str, str]]:
    """The batch details, read once per snapshot; empty while the warehouse cannot be read."""
    key = ("sources", "details")
    if key not in snapshot.memo:
        try:
            snapshot.memo[key] = read_details(request.app.state.cache.url)
        except Exception:  # a locked or broken warehouse: show the page without the details
            return {}
    details: dict[str, dict[str, str]] = snapshot.memo[key]
    return details


def sources(snapshot: Snapshot, details: dict[str, dict[str, str]]) -> list[Source]:
    """Every current source: built-in ones first, then by title."""
    found = [Source(status, **details.get(status.source_id, {})) for status in snapshot.sources]
    return sorted(found, key=lambda s: (s.status.kind != "embedded", s.status.title.lower()))


def _timestamp(value: Any) -> str:
    """ISO 8601 in UTC for downloads (spreadsheets cannot hold time zones)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return ""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return str(stamp.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"))


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def sources_table(found: list[Source]) -> pd.DataFrame:
    """One row per current source (download); no user names."""
    rows = []
    for source in found:
        s = source.status
        rows.append(
            {
                "bron_id": s.source_id,
                "titel": s.title,
                "tabel": s.table_id or "",
                "soort": source.kind_label,
                "uitgever": source.publisher,
                "nieuwste_periode": s.newest_period or "",
                "einde_nieuwste_periode": _date(s.newest_period_end),
                "geladen_op": _timestamp(s.loaded_at),
                "opgehaald_op": _timestamp(s.retrieved_at),
                "rijen": s.rows,
                "afgewezen_rijen": s.rows_rejected,
                "licentie": source.licence,
                "bronvermelding": source.attribution,
                "momentopname": s.snapshot,
                "verouderd": s.outdated,
                "leeftijd_maanden": s.age_months,
                "verversingsritme": s.rule,
                "nieuwere_periode_verwacht_voor": _date(s.due),
                "waarschuwing": s.warning,
                "bestand": source.file,
                "bestandshash_sha256": s.file_hash,
                "herkomst": source.origin,
                "toelichting": source.notes,
            }
        )
    return pd.DataFrame(rows)


def attributions(found: list[Source]) -> list[str]:
    """The distinct attribution texts ("Bron: CBS", …), in order of first use."""
    seen: dict[str, None] = {}
    for source in found:
        if source.attribution:
            seen.setdefault(source.attribution, None)
    return list(seen)


@router.get("/bronnen")
def sources_page(request: Request) -> Response:
    """Sources, provenance and freshness."""
    snapshot: Snapshot = request.app.state.cache.get()
    found = sources(snapshot, batch_details(request, snapshot))
    return render(
        request,
        "sources/page.html",
        title="Bronnen",
        stem="bronnen",
        tables={"bronnen": lambda: sources_table(found)},
        sources=found,
        attributions=attributions(found),
        outdated=sum(s.status.outdated for s in found),
        snapshots=sum(s.status.snapshot for s in found),
        warning=lambda status: warning(status, auth.viewer(request).lang),
    )
