# SPDX-License-Identifier: EUPL-1.2
"""The fill-in template downloads: public link on each indicator page, form on the upload page."""

from __future__ import annotations

import csv
import io

import openpyxl
from fastapi.testclient import TestClient

from tests.web.conftest import log_in
from veiligstad.domain.accounts import Role


def test_indicator_page_links_a_template_that_loads_as_a_csv(client: TestClient) -> None:
    page = client.get("/indicatoren/schaalscore-hic")
    assert page.status_code == 200
    assert 'href="/invulsjabloon?indicator=schaalscore-hic&amp;formaat=csv"' in page.text
    response = client.get("/invulsjabloon?indicator=schaalscore-hic&formaat=csv&jaren=2024-2025")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "invulsjabloon-schaalscore-hic-gemeente-2024-2025.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows and {r["area_code"] for r in rows} == {"GM0935"}
    assert all(r["value"] == "" for r in rows)  # names and codes only: nothing to disclose


def test_xlsx_for_wijken_and_bad_parameters(client: TestClient) -> None:
    response = client.get("/invulsjabloon?indicator=schaalscore-hic&niveau=wijk&jaren=2025")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Invullen", "Toelichting"]
    book.close()
    assert client.get("/invulsjabloon?indicator=bestaat-niet").status_code == 404
    assert client.get("/invulsjabloon?indicator=schaalscore-hic&formaat=pdf").status_code == 400
    assert client.get("/invulsjabloon?indicator=schaalscore-hic&jaren=twintig").status_code == 400
    assert client.get("/invulsjabloon?indicator=schaalscore-hic&niveau=land").status_code == 400


def test_upload_page_has_the_template_form(client: TestClient) -> None:
    page = log_in(client, Role.ANALIST).get("/intern/uploads")
    assert page.status_code == 200
    assert 'action="/invulsjabloon"' in page.text and 'name="jaren"' in page.text
    assert '<option value="diefstallen-uit-woning">' in page.text
