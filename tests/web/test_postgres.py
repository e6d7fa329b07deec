# SPDX-License-Identifier: EUPL-1.2
"""The dashboard on a PostgreSQL warehouse (``VEILIGSTAD_DATABASE_URL=postgresql://…``): public
pages and API, login, an upload and an action save, on a real server (``tests/postgres.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.postgres import Cluster
from tests.web.conftest import PASSWORD, csrf_token, log_in
from tests.web.test_actions import _form
from veiligstad.domain.accounts import Role
from veiligstad.services import accounts
from veiligstad.settings import Settings
from veiligstad.storage import actions as action_store
from veiligstad.storage.warehouse import Warehouse
from veiligstad.web.app import create_app

PUBLIC = [
    "/programma",
    "/gebieden",
    "/gebieden/GM0935",
    "/acties",
    "/methode",
    "/signalen",
    "/hotspots",
    "/kaart",
    "/api/v1/indicatoren",
    "/api/v1/gebieden",
    "/api/v1/themas",
    "/api/v1/programmas",
]


@pytest.fixture(scope="module")
def pg_url(postgres_cluster: Cluster, postgres_loaded_url: str) -> str:
    """A copy of the session's loaded PostgreSQL warehouse with one account per role."""
    url = postgres_cluster.create_database(template=postgres_loaded_url.rsplit("/", 1)[1])
    with Warehouse.open(url) as warehouse:
        for role in Role:
            accounts.add_user(warehouse, role.value, role, PASSWORD, created_by="test")
    return url


@pytest.fixture(scope="module")
def pg_app(pg_url: str) -> Iterator[FastAPI]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("VEILIGSTAD_DATABASE_URL", pg_url)
        env.setenv("VEILIGSTAD_SECRET_KEY", "test-secret-key-not-for-production")
        settings = Settings()
        assert settings.resolved_database_url() == pg_url
        app = create_app(settings)
        app.state.cache.check_seconds = 0
        yield app


def test_public_pages_and_api_answer_on_postgresql(pg_app: FastAPI) -> None:
    client = TestClient(pg_app, follow_redirects=False)
    for path in PUBLIC:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[-1500:])
    indicators = client.get("/api/v1/indicatoren").json()
    assert indicators, "no indicators on PostgreSQL"


def test_login_upload_and_action_save_on_postgresql(pg_app: FastAPI, pg_url: str) -> None:
    analist = log_in(TestClient(pg_app, follow_redirects=False), Role.ANALIST)
    data = b"area_code,period,measure,value\nGM0935,2024,misdrijven:0.0.0,4321\n"
    upload = analist.post(
        "/intern/uploads",
        data={"csrf_token": csrf_token(analist, "/intern/uploads")},
        files={"bestand": ("postgres-test.csv", data, "text/csv")},
    )
    assert upload.status_code == 200 and "Geladen." in upload.text, upload.text[-1500:]
    with Warehouse.open(pg_url) as warehouse:
        batches = warehouse.batches()
        loaded = batches.filter(batches.file == "postgres-test.csv").to_pandas()
        observations = warehouse.observations()
        values = observations.filter(observations.batch_id.isin(list(loaded.batch_id))).value.to_pandas()
    assert list(loaded.loaded_by) == ["analist"] and list(values) == [4321.0]

    token = csrf_token(analist, "/intern/acties/nieuw")
    created = analist.post("/intern/acties/nieuw", data={**_form(), "csrf_token": token})
    assert created.status_code == 303, created.text[-1500:]
    action_id = "2025-testactie-cameratoezicht"
    page = analist.get(f"/intern/acties/{action_id}")
    version = page.text.split('name="versie" value="', 1)[1].split('"', 1)[0]
    updated = analist.post(
        f"/intern/acties/{action_id}", data={**_form(status="lopend"), "versie": version, "csrf_token": token}
    )
    assert updated.status_code == 303
    stale = analist.post(
        f"/intern/acties/{action_id}", data={**_form(titel="Oud"), "versie": version, "csrf_token": token}
    )
    assert stale.status_code == 409 and "intussen door iemand anders gewijzigd" in stale.text
    with Warehouse.open(pg_url) as warehouse:
        saved = action_store.load_action(warehouse, action_id)
        trail = action_store.load_audit(warehouse, entity_id=action_id)
    assert saved is not None and saved.status.value == "lopend" and len(trail) == 2
