# SPDX-License-Identifier: EUPL-1.2
"""Web fixtures: one app over a warehouse with the embedded data and one account per role."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from veiligstad.domain.accounts import Role
from veiligstad.services import accounts, bootstrap
from veiligstad.settings import Settings
from veiligstad.storage.warehouse import Warehouse
from veiligstad.web.app import create_app

#: Password of every test account (``<role>`` is also the user name).
PASSWORD = "correct horse battery staple"


def settings_with_accounts(folder: Path) -> Settings:
    """Settings of a new warehouse in ``folder`` with the embedded data and one account per role
    (user name = role, password ``PASSWORD``). Test modules that write use their own."""
    url = f"duckdb://{folder / 'veiligstad.duckdb'}"
    with Warehouse.open(url) as warehouse:
        bootstrap.initialise(warehouse)
        for role in Role:
            accounts.add_user(warehouse, role.value, role, PASSWORD, created_by="test")
    return Settings(database_url=url, secret_key="test-secret-key-not-for-production")


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shared read-only warehouse of the web tests."""
    return settings_with_accounts(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="session")
def web_app(web_settings: Settings) -> FastAPI:
    """The app, shared by the tests of a session (its snapshot is computed once)."""
    return create_app(web_settings)


@pytest.fixture
def client(web_app: FastAPI) -> TestClient:
    """An anonymous visitor (fresh cookies)."""
    return TestClient(web_app, follow_redirects=False)


def csrf_token(client: TestClient, path: str = "/inloggen") -> str:
    """Open a page with a form and return its form token (the cookie is set as well)."""
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no form token on {path}"
    return match.group(1)


def log_in(client: TestClient, role: Role) -> TestClient:
    """Log the client in as the test account of ``role``."""
    token = csrf_token(client)
    response = client.post(
        "/inloggen",
        data={"gebruikersnaam": role.value, "wachtwoord": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 303, response.text
    return client


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_url(web_app: FastAPI) -> Iterator[str]:
    """The shared app served on loopback, for the browser tests."""
    with served(web_app) as url:
        yield url
