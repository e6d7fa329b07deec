# SPDX-License-Identifier: EUPL-1.2
"""The alerts as an Atom 1.0 feed (RFC 4287), built with ``xml.etree``; pure, no I/O.

Partners subscribe to ``/signalen.atom``. Every alert is one entry with a stable ``tag:``
URI (RFC 4151) made of what identifies it: indicator, area, kind, comparison and periods,
so a feed reader shows an alert once, however often the feed is rebuilt. An entry's
``updated`` is the end of the alert's later period: the feed does not change when nothing
new was found. Titles and summaries are Dutch, with Dutch numbers.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from veiligstad import formatting
from veiligstad.engine.significance import Signal
from veiligstad.services.alerts import Alert

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class FeedInfo:
    """What describes the feed as a whole."""

    base_url: str  # e.g. https://veiligheid.example.nl (no trailing slash); VEILIGSTAD_BASE_URL via web/edge
    self_url: str  # the feed's own URL, with its query
    authority: str  # tag URI authority: the host name that publishes the feed
    year: int  # tag URI date: a year in which the authority published it
    title: str
    author: str
    generated: dt.datetime  # used as ``updated`` when there are no entries


def slug(text: str) -> str:
    """Lower case, letters and digits, single dashes.

    >>> slug("CompStat: 12-maanden"), slug("2023-02 t/m 2024-01")
    ('compstat-12-maanden', '2023-02-t-m-2024-01')
    """
    return _SLUG.sub("-", text.lower()).strip("-")


def entry_id(alert: Alert, authority: str, year: int) -> str:
    """The stable ``tag:`` URI of an alert.

    >>> from veiligstad.engine.significance import Signal
    >>> a = Alert("significante verandering", "jaar op jaar", "misdrijven-totaal", "", "GM0935", "",
    ...     "2023", "2024", dt.date(2024, 12, 31), Signal.ROSE, 0.01, 1.0, 2.0, "", 1.0, "")
    >>> entry_id(a, "example.nl", 2023)
    'tag:example.nl,2023:signaal/misdrijven-totaal/GM0935/significante-verandering/jaar-op-jaar/2023/2024'
    """
    parts = [alert.indicator_id, alert.area_code, slug(alert.kind), slug(alert.source), slug(alert.before)]
    return f"tag:{authority},{year}:signaal/{'/'.join([*parts, slug(alert.after)])}"


def timestamp(value: dt.date | dt.datetime) -> str:
    """RFC 3339 in UTC: ``2024-12-31T00:00:00Z``."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def p_text(p: float | None, name: str = "p") -> str:
    """``p = 0,014`` or ``p < 0,001``; empty when there is no p-value.

    >>> p_text(0.0144), p_text(1e-9), p_text(0.02, "q"), p_text(None)
    ('p = 0,014', 'p < 0,001', 'q = 0,020', '')
    """
    if p is None:
        return ""
    return f"{name} < 0,001" if p < 0.001 else f"{name} = {formatting.number(p, 3)}"


def area_label(alert: Alert) -> str:
    """``Maastricht (GM0935)``."""
    return f"{alert.area_name} ({alert.area_code})" if alert.area_name else alert.area_code


def title(alert: Alert) -> str:
    """Dutch entry title: what changed, where, and the label."""
    if alert.signal in (Signal.ROSE, Signal.FELL) and alert.kind == "significante verandering":
        return (
            f"{alert.indicator_name} in {area_label(alert)}: {alert.signal.value} "
            f"({alert.before} → {alert.after})"
        )
    return f"{area_label(alert)}: {alert.kind} voor {alert.indicator_name} ({alert.after})"


def summary(alert: Alert) -> str:
    """Dutch summary: the comparison, both values, the change with its label, p and assessment."""
    decimals = 0 if alert.unit == "aantal" else 1
    before = formatting.number(alert.before_value, decimals)
    after = formatting.number(alert.after_value, decimals)
    change = f" ({formatting.signed(alert.relative * 100, 1)}%)" if alert.relative is not None else ""
    test = ", ".join(x for x in (p_text(alert.p_value), p_text(alert.q_value, "q")) if x)
    text = (
        f"{alert.kind.capitalize()} ({alert.source}): {alert.indicator_name} in {area_label(alert)} "
        f"van {before} ({alert.before}) naar {after} ({alert.after}) {alert.unit}{change}; "
        f"{alert.signal.value}{f' ({test})' if test else ''}."
    )
    return text + (f" Oordeel: {alert.assessment}." if alert.assessment else "")


def _link(parent: ET.Element, href: str, rel: str, kind: str | None = None, label: str = "") -> None:
    attributes = {"rel": rel, "href": href}
    if kind:
        attributes["type"] = kind
    if label:
        attributes["title"] = label
    ET.SubElement(parent, f"{{{ATOM}}}link", attributes)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element


def _entry(feed: ET.Element, alert: Alert, info: FeedInfo) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", entry_id(alert, info.authority, info.year))
    _text(entry, "title", title(alert))
    _text(entry, "updated", timestamp(alert.period_end))
    _link(entry, f"{info.base_url}/indicatoren/{alert.indicator_id}", "alternate", "text/html", "indicator")
    _link(entry, f"{info.base_url}/gebieden/{alert.area_code}", "related", "text/html", "gebied")
    _text(entry, "summary", summary(alert)).set("type", "text")
    category = ET.SubElement(entry, f"{{{ATOM}}}category")
    category.set("term", slug(alert.kind))
    category.set("label", alert.kind)


def atom(alerts: Sequence[Alert], info: FeedInfo) -> bytes:
    """The Atom document (UTF-8, with XML declaration), entries newest first as given."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "nl"})
    _text(feed, "id", f"tag:{info.authority},{info.year}:signalen")
    _text(feed, "title", info.title)
    newest = max((a.period_end for a in alerts), default=None)
    _text(feed, "updated", timestamp(newest if newest is not None else info.generated))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", info.author)
    _link(feed, info.self_url, "self", MEDIA_TYPE)
    _link(feed, f"{info.base_url}/signalen", "alternate", "text/html")
    _text(feed, "generator", "veiligstad")
    for alert in alerts:
        _entry(feed, alert, info)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body
