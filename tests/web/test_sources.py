# SPDX-License-Identifier: EUPL-1.2
"""The Bronnen page: every current source with provenance and freshness, downloads, privacy."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.spreadsheet import dutch_csv
from veiligstad.services import bootstrap, freshness
from veiligstad.sources import embedded
from veiligstad.web import i18n, templating
from veiligstad.web.pages import sources


def _soup(client: TestClient, path: str = "/bronnen") -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def test_sources_page_lists_every_embedded_source_with_its_newest_period(
    client: TestClient, web_app: FastAPI
) -> None:
    soup = _soup(client)
    rows = {str(tr["data-source"]): tr for tr in soup.select("table.sources tbody tr")}
    manifest = {entry.id for entry in embedded.manifest()}
    assert manifest <= set(rows), manifest - set(rows)
    status = {s.source_id: s for s in web_app.state.cache.get().sources}
    assert set(rows) == set(status)
    for source_id, row in rows.items():
        period = row.select_one("td.period")
        assert period is not None
        assert period.get_text(strip=True) == (status[source_id].newest_period or "–")
    # Real examples: the Maastricht buurt crime figures are 2023, the population table runs to 2025.
    assert rows["politie-47018ned-maastricht-buurten-2023"].select_one("td.period").get_text() == "2023"
    assert rows["cbs-37230ned-inwoners-gemeenten-2003-2025"].select_one("td.period").get_text() == "2025"


def test_each_row_shows_kind_table_licence_and_freshness(client: TestClient) -> None:
    soup = _soup(client)
    row = soup.select_one('tr[data-source="cbs-37230ned-inwoners-gemeenten-2003-2025"]')
    assert row is not None
    text = row.get_text(" ", strip=True)
    assert "37230NED" in text and "ingebouwd" in text
    assert "CC BY 4.0" in text and "Bron: CBS" in text
    assert "momentopname" in text
    assert "9.451" in text  # rows in Dutch format
    old = soup.select_one('tr[data-source="cbs-83648ned-gemeenten-2010-2020"]')
    assert old is not None and "verouderd" in old.get_text()
    areas = soup.select_one('tr[data-source="areas"]')
    assert areas is not None and "zonder cijfers per periode" in areas.get_text()


def test_provenance_blocks_show_the_hash_but_no_user_name(client: TestClient, web_app: FastAPI) -> None:
    soup = _soup(client)
    for status in web_app.state.cache.get().sources:
        block = soup.find(id=f"bron-{status.source_id}")
        assert block is not None, status.source_id
        assert status.file_hash in block.get_text()
        # Row link points at the provenance block.
        assert soup.select_one(f'a[href="#bron-{status.source_id}"]') is not None
    assert "loaded_by" not in soup.get_text() and "geladen door" not in soup.get_text().lower()


def test_attribution_and_explanation_are_there(client: TestClient) -> None:
    soup = _soup(client)
    text = soup.get_text(" ", strip=True)
    assert "Bron: CBS/Politie" in text
    assert "Bron: Politie / CBS" in text  # from the batch records
    assert "momentopname" in text and "voorlopig" in text and "vingerafdruk" in text
    assert len(soup.find_all("h1")) == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_sources_table_downloads(client: TestClient, fmt: str, web_app: FastAPI) -> None:
    response = client.get(f"/bronnen?download=bronnen&format={fmt}")
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        frame = dutch_csv(response.content, dtype=str)
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        values = list(sheet.values)
        frame = pd.DataFrame(values[1:], columns=values[0]).astype(str)
    expected = {"bron_id", "nieuwste_periode", "soort", "licentie", "bestandshash_sha256", "waarschuwing"}
    assert expected <= set(frame.columns)
    assert "loaded_by" not in frame.columns
    assert len(frame) == len(web_app.state.cache.get().sources)
    row = frame[frame["bron_id"] == "politie-47013ned-gemeenten-2022-2024"].iloc[0]
    assert row["nieuwste_periode"] == "2024" and row["tabel"] == "47013NED"
    assert row["geladen_op"].endswith("Z")


def test_english_version(client: TestClient) -> None:
    soup = _soup(client, "/bronnen?lang=en")
    assert soup.html is not None and soup.html["lang"] == "en"
    assert soup.h1 is not None and soup.h1.get_text(strip=True) == "Sources"
    assert "snapshot" in soup.get_text()


def _facts(soup: BeautifulSoup, source_id: str) -> dict[str, str]:
    """The facts (``dt`` → ``dd``) of one source's provenance block."""
    block = soup.select_one(f"section#bron-{source_id}")
    assert block is not None
    return {
        dt.get_text(strip=True): dd.get_text(" ", strip=True)
        for dt, dd in zip(block.select("dt"), block.select("dd"), strict=True)
    }


def test_english_labels_rules_warnings_and_licence_notes(client: TestClient) -> None:
    soup = _soup(client, "/bronnen?lang=en")
    row = soup.select_one('tr[data-source="politie-47013ned-gemeenten-2022-2024"]')
    assert row is not None
    text = row.get_text(" ", strip=True)
    assert "embedded" in text and "ingebouwd" not in text
    assert "licence not verified" in text and "licentie niet geverifieerd" not in text
    facts = _facts(soup, "politie-47013ned-gemeenten-2022-2024")
    assert facts["Kind"] == "embedded"
    assert facts["Refresh rhythm"] == "police/CBS, yearly crime figures"
    assert facts["Warning"].startswith("snapshot: newest period 2024 is ")
    assert "; out of date: a newer period was expected before 31 March 2026" in facts["Warning"]
    assert re.search(r" is (\d+ years?( and \d+ months?)?|\d+ months?) old;", facts["Warning"])
    assert _facts(soup, "areas")["Warning"] == "snapshot without figures"
    # every warning, rule and kind in English: no Dutch words of services.freshness or refresh.yaml
    recorded = ("Notes", "Origin", "File", "Publisher")  # free text, shown as it was written
    shown = " ".join(
        text
        for block in soup.select("section.source-detail")
        for label, text in _facts(soup, str(block["id"]).removeprefix("bron-")).items()
        if label not in recorded
    )
    for dutch in ("momentopname", "verouderd", "nieuwste periode", "maanden", "jaar", "maart", "ingebouwd"):
        assert dutch not in shown, dutch


def test_titles_stay_as_published_and_marked_dutch_on_the_english_page(client: TestClient) -> None:
    soup = _soup(client, "/bronnen?lang=en")
    heading = soup.select_one("section#bron-politie-47013ned-gemeenten-2022-2024 h3")
    assert heading is not None
    published = heading.select_one('span[lang="nl"]')
    assert published is not None
    assert published.get_text() == "Geregistreerde misdrijven; soort misdrijf, gemeente (totaal misdrijven)"
    # what veiligstad wrote itself is translated; the publisher's part is kept
    areas = soup.select_one("section#bron-areas h3")
    assert areas is not None and areas.get_text(strip=True) == "Area register and boundaries"
    assert areas.select_one('[lang="nl"]') is None
    derived = soup.select_one("section#bron-maastricht-iva-politiecodes h3")
    assert derived is not None
    assert derived.get_text(" ", strip=True).endswith("— linked to police codes")
    assert derived.select_one('span[lang="nl"]').get_text() == (  # type: ignore[union-attr]
        "Integrale Veiligheidsanalyse Maastricht: politieregistraties 2014-2020H1"
    )
    # attributions are the words to cite: Dutch, marked so
    assert [li.get("lang") for li in soup.select("ul.attributions li")] == ["nl"] * len(
        soup.select("ul.attributions li")
    )


def test_the_dutch_page_keeps_the_dutch_warnings_and_titles(client: TestClient, web_app: FastAPI) -> None:
    soup = _soup(client, "/bronnen?lang=nl")
    statuses = {s.source_id: s for s in web_app.state.cache.get().sources}
    for source_id, status in statuses.items():
        facts = _facts(soup, source_id)
        assert facts.get("Waarschuwing", "") == status.warning
        heading = soup.select_one(f"section#bron-{source_id} h3")
        assert heading is not None and heading.get_text(" ", strip=True) == status.title
    assert (
        "momentopname: nieuwste periode"
        in _facts(soup, "politie-47013ned-gemeenten-2022-2024")["Waarschuwing"]
    )


def test_the_english_warning_says_what_the_dutch_one_says(web_app: FastAPI) -> None:
    for status in web_app.state.cache.get().sources:
        english = sources.warning(status, "en")
        assert sources.warning(status, "nl") == status.warning
        assert bool(english) == bool(status.warning)
        assert english.count("; ") == status.warning.count("; ")
        assert ("snapshot" in english) == ("momentopname" in status.warning)
        assert ("out of date" in english) == ("verouderd" in status.warning)


def test_unreadable_warehouse_leaves_out_the_details(web_app: FastAPI, tmp_path: Path) -> None:
    snapshot = dataclasses.replace(web_app.state.cache.get(), memo={})
    damaged = tmp_path / "x.duckdb"
    damaged.write_bytes(b"not a DuckDB file" * 100)  # opening it fails (WarehouseCorrupt)
    broken = SimpleNamespace(
        app=SimpleNamespace(state=SimpleNamespace(cache=SimpleNamespace(url=f"duckdb://{damaged}")))
    )
    assert sources.batch_details(broken, snapshot) == {}  # type: ignore[arg-type]
    assert ("sources", "details") not in snapshot.memo  # tried again next time
    found = sources.sources(snapshot, {})
    assert len(found) == len(snapshot.sources) and all(s.licence == "" for s in found)


#: ``_("…")`` calls in a template.
_CALL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def template_texts(folder: str) -> set[str]:
    """Every literal Dutch text a page family's templates translate."""
    root = Path(templating.TEMPLATES) / folder
    texts = (path.read_text(encoding="utf-8") for path in root.glob("*.html"))
    return {a or b for text in texts for a, b in _CALL.findall(text)}


def test_every_text_has_an_english_translation(web_app: FastAPI) -> None:
    english = i18n.catalogue("en")
    rules = freshness.load_refresh()
    dynamic = set(sources.KIND_LABELS.values()) | {rules.default.label} | {r.label for r in rules.rules}
    dynamic |= {
        own for s in sources.sources(web_app.state.cache.get(), {}) for own in s.title_parts[1:] if own
    }
    dynamic |= {bootstrap.AREAS_TITLE, bootstrap.MAPPED_SUFFIX.removeprefix(" — ")}
    missing = sorted(t for t in template_texts("sources") | dynamic if t not in english)
    assert not missing, missing
