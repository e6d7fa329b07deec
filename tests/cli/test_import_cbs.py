# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad import cbs``: Dutch summary, --json, and a fast clear failure without network."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.sources.test_cbs_odata import recorded_transport
from veiligstad.cli import import_cbs
from veiligstad.cli.main import app

runner = CliRunner()


@pytest.fixture
def url(monkeypatch: pytest.MonkeyPatch, loaded_url: str, tmp_path: Path) -> str:
    """A private copy of the loaded warehouse (the shared one is read-only)."""
    target = tmp_path / "copy.duckdb"
    shutil.copy(loaded_url.removeprefix("duckdb://"), target)
    copy = f"duckdb://{target}"
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", copy)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)
    return copy


@pytest.mark.usefixtures("url")
def test_import_prints_a_dutch_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_cbs, "TRANSPORT", recorded_transport())
    result = runner.invoke(app, ["import", "cbs", "47022NED", "--since", "2024"])
    assert result.exit_code == 0, result.output
    assert "cijfers geladen als bron cbs-47022ned-gm0935" in result.output  # programme's gemeente
    assert "Voorlopig (nog onvolledig): 2025-10, 2025-11." in result.output
    again = runner.invoke(app, ["import", "cbs", "47022NED", "--since", "2024"])
    assert "niets gewijzigd" in again.output


@pytest.mark.usefixtures("url")
def test_import_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_cbs, "TRANSPORT", recorded_transport())
    result = runner.invoke(app, ["import", "cbs", "85984ned", "--municipality", "gm0935", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["loaded"] and data["periods"] == ["2024"] and "kwb:inwoners-15-24" in data["rows_per_measure"]


def test_connection_error_gives_dutch_message_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, empty_url: str
) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", empty_url)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    monkeypatch.setattr(import_cbs, "TRANSPORT", httpx.MockTransport(refuse))
    result = runner.invoke(app, ["import", "cbs", "47018NED"])
    assert result.exit_code != 0
    assert "Geen verbinding met CBS/Politie open data (dataderden.cbs.nl)" in result.output
    assert "Er is niets gewijzigd." in result.output
    assert not Path(empty_url.removeprefix("duckdb://")).exists()  # warehouse not even created


@pytest.mark.usefixtures("url")
def test_unknown_table() -> None:
    result = runner.invoke(app, ["import", "cbs", "12345XYZ"])
    assert result.exit_code == 1
    assert "Tabel '12345XYZ' is niet bekend" in result.output and "47018NED" in result.output


def test_real_transport_without_network_fails_fast(monkeypatch: pytest.MonkeyPatch, empty_url: str) -> None:
    """The real httpx transport against a closed local port: no outside address is contacted."""
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", empty_url)
    monkeypatch.setattr(import_cbs, "TRANSPORT", None)
    start = time.monotonic()
    result = runner.invoke(app, ["import", "cbs", "47018NED", "--base-url", "http://127.0.0.1:9/"])
    assert time.monotonic() - start < 10
    assert result.exit_code != 0
    assert "Geen verbinding met CBS/Politie open data (127.0.0.1:9)" in result.output
    assert not Path(empty_url.removeprefix("duckdb://")).exists()
