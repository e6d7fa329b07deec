# SPDX-License-Identifier: EUPL-1.2
"""The edge (issue 12, items 3–5): body limits before anything is spooled, control
characters in paths, foreign Host headers and absolute links from VEILIGSTAD_BASE_URL.
Real app; the size limits also through a real uvicorn server and a raw socket."""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.conftest import served, settings_with_accounts
from veiligstad.errors import ConfigError
from veiligstad.settings import Settings
from veiligstad.web.app import create_app


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_with_accounts(Path(tmp_path_factory.mktemp("edge")))


@pytest.fixture(scope="module")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


def raw_exchange(url: str, head: str, body_chunks: int = 0, chunk: bytes = b"") -> tuple[str, int, float]:
    """Send a request head (and body chunks while the server still reads), return the status
    line, the body bytes sent and the seconds until the answer came."""
    parts = urlsplit(url)
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        began = time.perf_counter()
        sock.sendall(head.encode("latin-1"))
        sock.settimeout(0.05)
        answer = b""
        for _ in range(body_chunks):
            with contextlib.suppress(TimeoutError):
                answer += sock.recv(65536)
            if answer:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        sock.settimeout(30)
        while b"\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer.split(b"\r\n", 1)[0].decode(), sent, time.perf_counter() - began


def test_a_4_gb_login_post_is_refused_before_its_body_is_read(app: FastAPI) -> None:
    with served(app) as url:
        head = (
            "POST /inloggen HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: multipart/form-data; boundary=grens\r\nContent-Length: 4294967296\r\n\r\n"
        )
        status, _, seconds = raw_exchange(url, head)
    assert status.startswith("HTTP/1.1 413"), status
    assert seconds < 5


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(app: FastAPI) -> None:
    chunk = b"4000\r\n" + b"a" * 0x4000 + b"\r\n"  # 16 KiB per chunk, 64 MiB offered in all
    with served(app) as url:
        head = (
            "POST /inloggen HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        status, sent, _ = raw_exchange(url, head, body_chunks=4096, chunk=chunk)
    assert status.startswith("HTTP/1.1 413"), status
    assert sent < 4 * 1024 * 1024  # the server stopped reading long before 64 MiB


def test_a_body_over_the_limit_without_length_is_413_in_dutch(client: TestClient) -> None:
    def body():  # type: ignore[no-untyped-def]  # a generator: sent without Content-Length
        for _ in range(8):
            yield b"a" * 16384

    page = client.post(
        "/inloggen", content=body(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert page.status_code == 413
    assert "Het verzoek is te groot" in page.text and "<title>Verzoek te groot" in page.text
    api = client.post("/api/v1/programmas", content=b"a" * 70_000)  # refused on its length
    assert api.status_code == 413
    assert api.headers["content-type"] == "application/problem+json"
    assert "te groot" in api.json()["detail"] and api.json()["title"] == "Verzoek te groot"


def test_upload_routes_have_their_own_larger_limit(client: TestClient) -> None:
    declared = client.post("/inloggen", content=b"a" * 70_000)
    assert declared.status_code == 413
    assert "64 kB" in declared.text
    upload = client.post("/intern/uploads", content=b"a" * 70_000)
    assert upload.status_code != 413
    too_big = client.post("/intern/uploads", content=b"a" * (25 * 1024 * 1024 + 1))
    assert too_big.status_code == 413
    assert "25 MB" in too_big.text


@pytest.mark.parametrize("character", ["%00", "%0a", "%1b", "%7f", "%0D%0A"])
@pytest.mark.parametrize(
    "path", ["/intern/acties/{}", "/gebieden/{}", "/indicatoren/x{}", "/api/v1/gebieden/{}", "/{}"]
)
def test_control_characters_in_a_path_are_400_never_500(
    client: TestClient, path: str, character: str
) -> None:
    response = client.get(path.format(character))
    assert response.status_code == 400, response.text
    if path.startswith("/api/"):
        assert response.headers["content-type"] == "application/problem+json"
    else:
        assert "ongeldig teken" in response.text


def test_a_foreign_host_header_is_refused(client: TestClient) -> None:
    response = client.get("/signalen.atom", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "niet bereikbaar onder deze naam" in response.text
    assert client.get("/signalen.atom", headers={"host": "localhost:8000"}).status_code == 200


def test_absolute_links_come_from_the_base_url_not_the_host_header(settings: Settings) -> None:
    public = settings.model_copy(update={"base_url": "https://veiligheid.example.nl"})
    client = TestClient(create_app(public), follow_redirects=False)
    for host in ("veiligheid.example.nl", "localhost", "127.0.0.1:8000"):
        feed = client.get("/signalen.atom", headers={"host": host})
        assert feed.status_code == 200
        assert 'href="https://veiligheid.example.nl/signalen"' in feed.text
        assert "localhost" not in feed.text and "127.0.0.1" not in feed.text
    assert client.get("/signalen.atom", headers={"host": "evil.example"}).status_code == 400


@pytest.mark.parametrize("url", ["veiligheid.example.nl", "https://veiligheid.example.nl/pad", "ftp://x.nl"])
def test_a_base_url_that_is_not_scheme_and_host_stops_the_start(settings: Settings, url: str) -> None:
    with pytest.raises(ConfigError, match="VEILIGSTAD_BASE_URL"):
        create_app(settings.model_copy(update={"base_url": url}))
