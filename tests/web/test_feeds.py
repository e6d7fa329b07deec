# SPDX-License-Identifier: EUPL-1.2
"""The Atom feed of the alerts: valid Atom 1.0 elements, stable ids, ``sinds``."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.test_alerts import alerts_app, alerts_client  # noqa: F401  (fixtures: constructed alerts)
from veiligstad.engine.significance import Signal
from veiligstad.services.alerts import Alert
from veiligstad.services.snapshot import Snapshot
from veiligstad.web import feeds

NS = {"a": feeds.ATOM}
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def parse(client: TestClient, query: str = "") -> ET.Element:
    response = client.get(f"/signalen.atom{query}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)


def test_feed_has_the_required_elements(alerts_client: TestClient, alerts_app: FastAPI) -> None:  # noqa: F811
    feed = parse(alerts_client)
    assert feed.tag == f"{{{feeds.ATOM}}}feed"
    assert (feed.findtext("a:id", namespaces=NS) or "").startswith("tag:testserver,2023:")
    assert feed.findtext("a:title", namespaces=NS) == "Signalen veiligheid Maastricht"
    assert feed.findtext("a:updated", namespaces=NS) == "2024-12-31T00:00:00Z"
    assert feed.findtext("a:author/a:name", namespaces=NS) == "veiligstad, gemeente Maastricht"
    self_link = feed.find("a:link[@rel='self']", NS)
    assert self_link is not None and self_link.get("href") == "http://testserver/signalen.atom"
    assert self_link.get("type") == "application/atom+xml"
    snapshot: Snapshot = alerts_app.state.cache.get()
    entries = feed.findall("a:entry", NS)
    assert len(entries) == len(snapshot.alerts)
    for entry in entries:
        assert (entry.findtext("a:id", namespaces=NS) or "").startswith("tag:testserver,2023:signaal/")
        assert entry.findtext("a:title", namespaces=NS)
        assert RFC3339.fullmatch(entry.findtext("a:updated", namespaces=NS) or "")
        link = entry.find("a:link[@rel='alternate']", NS)
        assert link is not None and (link.get("href") or "").startswith("http://testserver/indicatoren/")
        summary = entry.findtext("a:summary", namespaces=NS) or ""
        assert " van " in summary and " naar " in summary and "significant" in summary
    ids = [e.findtext("a:id", namespaces=NS) for e in entries]
    assert len(set(ids)) == len(ids)
    first = entries[0]
    assert first.findtext("a:title", namespaces=NS) == (
        "Geregistreerde misdrijven in Maastricht (GM0935): significant gestegen (2023 → 2024)"
    )
    assert "van 63,9 (2023) naar 80,0 (2024) per 1.000 inwoners (+25,2%)" in (
        first.findtext("a:summary", namespaces=NS) or ""
    )
    assert "p < 0,001" in (first.findtext("a:summary", namespaces=NS) or "")


def test_ids_are_stable(client: TestClient) -> None:
    def ids() -> list[str | None]:
        return [e.findtext("a:id", namespaces=NS) for e in parse(client).findall("a:entry", NS)]

    assert ids() == ids()


def test_since(alerts_client: TestClient) -> None:  # noqa: F811
    client = alerts_client
    feed = parse(client, "?sinds=2022-01-01")
    assert len(feed.findall("a:entry", NS)) == 2
    assert feed.findtext("a:title", namespaces=NS) == "Signalen veiligheid Maastricht sinds 1 januari 2022"
    link = feed.find("a:link[@rel='self']", NS)
    assert link is not None and link.get("href") == "http://testserver/signalen.atom?sinds=2022-01-01"
    assert parse(client, "?sinds=2030-01-01").findall("a:entry", NS) == []
    assert client.get("/signalen.atom?sinds=morgen").status_code == 400


def alert(**changes: object) -> Alert:
    base = Alert(
        "significante verandering", "CompStat: 12-maanden", "misdrijven-totaal", "Geregistreerde misdrijven",
        "BU09350000", "Binnenstad", "2023-02 t/m 2024-01", "2024-02 t/m 2025-01", dt.date(2025, 1, 31),
        Signal.FELL, 0.0004, 1200.0, 1100.0, "aantal", -0.0833, "gunstig", 0.002,
    )  # fmt: skip
    return Alert(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def info() -> feeds.FeedInfo:
    return feeds.FeedInfo(
        base_url="https://voorbeeld.nl",
        self_url="https://voorbeeld.nl/signalen.atom",
        authority="voorbeeld.nl",
        year=2023,
        title="Signalen",
        author="veiligstad",
        generated=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    )


def test_entry_text_and_ids() -> None:
    entry = alert()
    assert feeds.entry_id(entry, "voorbeeld.nl", 2023) == (
        "tag:voorbeeld.nl,2023:signaal/misdrijven-totaal/BU09350000/significante-verandering/"
        "compstat-12-maanden/2023-02-t-m-2024-01/2024-02-t-m-2025-01"
    )
    assert feeds.summary(entry) == (
        "Significante verandering (CompStat: 12-maanden): Geregistreerde misdrijven in Binnenstad "
        "(BU09350000) van 1.200 (2023-02 t/m 2024-01) naar 1.100 (2024-02 t/m 2025-01) aantal (−8,3%); "
        "significant gedaald (p < 0,001, q = 0,002). Oordeel: gunstig."
    )
    hotspot = alert(kind="nieuwe hotspot", source="opkomende hotspots per buurt, 2010–2023", relative=None)
    assert (
        feeds.title(hotspot)
        == "Binnenstad (BU09350000): nieuwe hotspot voor Geregistreerde misdrijven (2024-02 t/m 2025-01)"
    )


def test_empty_feed_is_valid() -> None:
    feed = ET.fromstring(feeds.atom([], info()))
    assert feed.findtext("a:updated", namespaces=NS) == "2026-01-02T03:04:05Z"
    assert feed.find("a:entry", NS) is None
    assert feed.find("a:author/a:name", NS) is not None and feed.find("a:id", NS) is not None
    document = feeds.atom([alert()], info())
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    entry = ET.fromstring(document).find("a:entry", NS)
    assert entry is not None and entry.findtext("a:updated", namespaces=NS) == "2025-01-31T00:00:00Z"
