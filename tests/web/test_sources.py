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
from veiligstad.services import freshness
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


def test_every_text_has_an_english_translation() -> None:
    english = i18n.catalogue("en")
    rules = freshness.load_refresh()
    dynamic = set(sources.KIND_LABELS.values()) | {rules.default.label} | {r.label for r in rules.rules}
    missing = sorted(t for t in template_texts("sources") | dynamic if t not in english)
    assert not missing, missing
