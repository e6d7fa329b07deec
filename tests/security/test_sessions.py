# SPDX-License-Identifier: EUPL-1.2
"""Sessions end for real (issue 12, item 2): a cookie copied before logout, a password change,
a role change or removal of the account opens nothing afterwards. Real app, real warehouse."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from tests.web.conftest import PASSWORD, csrf_token, log_in, served, settings_with_accounts
from veiligstad.domain.accounts import Role
from veiligstad.services import accounts
from veiligstad.storage.warehouse import Warehouse
from veiligstad.web import auth
from veiligstad.web.app import create_app

SECRET = "test-secret-key-not-for-production"  # the key of settings_with_accounts


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    app = create_app(settings_with_accounts(Path(tmp_path_factory.mktemp("sessions"))))
    app.state.cache.check_seconds = 0  # see a change made by another process at once
    return app


def new_client(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


def session_of(app: FastAPI, role: Role) -> tuple[TestClient, str]:
    client = log_in(new_client(app), role)
    cookie = client.cookies.get(auth.SESSION_COOKIE)
    assert cookie
    return client, cookie


def opens_intern(app: FastAPI, cookie: str) -> bool:
    thief = new_client(app)
    thief.cookies.set(auth.SESSION_COOKIE, cookie)
    response = thief.get("/intern/")
    assert response.status_code in (200, 303)
    return response.status_code == 200


def save_account(admin: TestClient, name: str, role: str, password: str) -> None:
    token = csrf_token(admin, "/intern/gebruikers")
    response = admin.post(
        "/intern/gebruikers",
        data={
            "gebruikersnaam": name,
            "rol": role,
            "wachtwoord": password,
            "wachtwoord_herhaald": password,
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, response.text


def test_a_cookie_copied_before_logout_is_refused_after_it(app: FastAPI) -> None:
    client, cookie = session_of(app, Role.ANALIST)
    assert opens_intern(app, cookie)
    response = client.post("/uitloggen", data={"csrf_token": client.cookies.get(auth.CSRF_COOKIE)})
    assert response.status_code == 303
    assert not opens_intern(app, cookie)
    _, fresh = session_of(app, Role.ANALIST)  # logging in again works at once
    assert opens_intern(app, fresh)


def test_a_password_change_ends_old_sessions(app: FastAPI) -> None:
    _, cookie = session_of(app, Role.RAAD)
    admin, _ = session_of(app, Role.BEHEERDER)
    save_account(admin, "raad", "raad", "een heel nieuw wachtwoord")
    assert not opens_intern(app, cookie)
    client = new_client(app)
    token = csrf_token(client)
    answer = client.post(
        "/inloggen",
        data={"gebruikersnaam": "raad", "wachtwoord": "een heel nieuw wachtwoord", "csrf_token": token},
    )
    assert answer.status_code == 303
    assert client.get("/intern/").status_code == 200


def test_a_role_change_ends_old_sessions(app: FastAPI) -> None:
    admin, _ = session_of(app, Role.BEHEERDER)
    save_account(admin, "wisselaar", "analist", PASSWORD)
    client = log_in_as(app, "wisselaar")
    cookie = client.cookies.get(auth.SESSION_COOKIE)
    assert cookie and opens_intern(app, cookie)
    save_account(admin, "wisselaar", "raad", PASSWORD)
    assert not opens_intern(app, cookie)


def log_in_as(app: FastAPI, name: str) -> TestClient:
    client = new_client(app)
    token = csrf_token(client)
    answer = client.post(
        "/inloggen", data={"gebruikersnaam": name, "wachtwoord": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 303, answer.text
    return client


def test_removing_an_account_ends_its_sessions_and_a_new_one_of_that_name_gets_none(app: FastAPI) -> None:
    admin, _ = session_of(app, Role.BEHEERDER)
    save_account(admin, "vertrokken", "analist", PASSWORD)
    cookie = log_in_as(app, "vertrokken").cookies.get(auth.SESSION_COOKIE)
    assert cookie and opens_intern(app, cookie)
    token = csrf_token(admin, "/intern/gebruikers")
    assert (
        admin.post("/intern/gebruikers/vertrokken/verwijderen", data={"csrf_token": token}).status_code == 303
    )
    assert not opens_intern(app, cookie)
    save_account(admin, "vertrokken", "analist", PASSWORD)  # someone new with the same name
    assert not opens_intern(app, cookie)


def test_a_logout_from_another_process_ends_the_session_here(app: FastAPI) -> None:
    """What ``veiligstad user logout NAME`` does, on the warehouse the server reads."""
    _, cookie = session_of(app, Role.ANALIST)
    assert opens_intern(app, cookie)
    with Warehouse.open(app.state.cache.url) as warehouse:
        assert accounts.end_sessions(warehouse, "ANALIST ") is not None
    assert not opens_intern(app, cookie)


def test_cookies_without_a_generation_are_refused(app: FastAPI) -> None:
    """Cookies signed before generations existed held only the name."""
    old = URLSafeTimedSerializer(SECRET, salt="veiligstad-sessie").dumps({"u": "beheerder"})
    assert not opens_intern(app, old)
    forged = URLSafeTimedSerializer(SECRET, salt="veiligstad-sessie").dumps({"u": "beheerder", "g": 0})
    assert not opens_intern(app, forged)  # a signed but stale generation


def test_an_account_saved_without_generation_counts_as_generation_0(app: FastAPI) -> None:
    with Warehouse.open(app.state.cache.url) as warehouse:
        warehouse.save_user(
            {
                "username": "oud",
                "role": "analist",
                "password_hash": accounts._hasher().hash(PASSWORD),
                "disabled": False,
                "created_at": dt.datetime.now(dt.UTC),
                "created_by": "vóór issue 12",
                "session_generation": None,
            }
        )
        assert next(u for u in accounts.users(warehouse) if u.username == "oud").session_generation == 0
    client = log_in_as(app, "oud")
    cookie = client.cookies.get(auth.SESSION_COOKIE)
    assert cookie and auth.Sessions(SECRET).read(cookie) == ("oud", 0)
    assert opens_intern(app, cookie)
    client.post("/uitloggen", data={"csrf_token": client.cookies.get(auth.CSRF_COOKIE)})
    assert not opens_intern(app, cookie)


def _web_load() -> ModuleType:
    path = Path(__file__).parents[2] / "benchmarks" / "web_load.py"
    spec = importlib.util.spec_from_file_location("web_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_logged_in_load_benchmark_at_a_tiny_scale(app: FastAPI) -> None:
    """``benchmarks/web_load.py --logged-in`` against a real uvicorn: one session per internal
    page, each logged in through the form; every page answers 200 to every session."""
    web_load = _web_load()
    with served(app) as url:
        results, errors = web_load.logged_in_load(url, "analist", PASSWORD, len(web_load.INTERNAL), 0.2)
    assert not any(errors.values()), dict(errors)
    assert set(results) == set(web_load.INTERNAL)
    line = web_load.report("/intern/", results["/intern/"], 0, 0.2)
    assert "p50" in line and "p95" in line


def test_the_load_client_reads_chunked_and_closing_answers_and_keeps_cookies() -> None:
    """The benchmark's own HTTP/1.1 client (httpx took a third of the server's CPU from the
    same cores): a chunked answer with a trailer, a cookie set on the way, a ``Connection:
    close`` answer without length, and a new connection after it."""
    web_load = _web_load()
    seen: list[bytes] = []
    answers = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: s=two; Path=/; HttpOnly\r\n\r\n"
        b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while answers:
            seen.append(await reader.readuntil(b"\r\n\r\n"))
            answer = answers.pop(0)
            writer.write(answer)
            await writer.drain()
            if b"Connection: close" in answer:
                break
        writer.close()

    async def go() -> list[int]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        connection = web_load.Connection(f"http://127.0.0.1:{port}", {"s": "one"})
        statuses = [await connection.get(path) for path in ("/a", "/b", "/c", "/d")]
        connection.close()
        server.close()
        return statuses

    assert asyncio.run(go()) == [200, 404, 200, 200]
    assert b"Cookie: s=one" in seen[0] and all(b"Cookie: s=two" in request for request in seen[1:])
    assert [request.split(b" ")[1] for request in seen] == [b"/a", b"/b", b"/c", b"/d"]
