# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad update``: the plan (--dry-run), the Dutch summary, --json, and failing fast offline.

Recorded responses: ``tests/fixtures/odata/`` (built by ``build_fixtures.py`` from the real
wire format and metadata in ../shared/data; the figures are test data).
"""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.sources.test_cbs_odata import recorded_transport
from veiligstad.cli import update as update_cli
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


def test_dry_run_prints_the_plan_and_creates_nothing(monkeypatch: pytest.MonkeyPatch, empty_url: str) -> None:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", empty_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)
    calls: list[httpx.Request] = []
    monkeypatch.setattr(update_cli, "TRANSPORT", recorded_transport(calls=calls))
    result = runner.invoke(app, ["update", "--dry-run", "--since", "2022"])
    assert result.exit_code == 0, result.output
    assert "Plan voor GM0935, vanaf 2022" in result.output
    assert "cbs-47018ned-gm0935" in result.output and "laden" in result.output
    assert "2024-01 t/m 2025-11" in result.output  # 47022NED months and year total to fetch
    assert "overslaan" in result.output and "veiligstad import boundaries" in result.output
    assert not [c for c in calls if c.url.path.endswith("TypedDataSet")]  # no data fetched
    assert not Path(empty_url.removeprefix("duckdb://")).exists()


@pytest.mark.usefixtures("url")
def test_update_prints_a_dutch_summary_and_is_incremental(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update_cli, "TRANSPORT", recorded_transport())
    result = runner.invoke(app, ["update", "--since", "2022"])
    assert result.exit_code == 0, result.output
    assert "Bijgewerkt voor GM0935" in result.output
    assert "geladen" in result.output and "2025-10, 2025-11" in result.output  # voorlopig
    assert "opgeslagen als leeg, niet als 0" in result.output
    again = runner.invoke(app, ["update", "--json"])
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    outcomes = {t["table_id"]: t["outcome"] for t in data["tables"]}
    assert outcomes["85984NED"] == "actueel" and outcomes["47022NED"] == "ongewijzigd"


@pytest.mark.usefixtures("url")
def test_dry_run_json_for_the_whole_country(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update_cli, "TRANSPORT", recorded_transport())
    result = runner.invoke(app, ["update", "--all", "--dry-run", "--json", "--table", "47018NED"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scope"] == "NL"
    [table] = data["tables"]
    assert (
        table["source_id"] == "cbs-47018ned-nl" and table["requests"] == 12
    )  # one per year, no region filter


def test_all_and_municipality_exclude_each_other() -> None:
    result = runner.invoke(app, ["update", "--all", "--municipality", "GM0935"])
    assert result.exit_code == 1
    assert "Kies --municipality of --all" in result.output


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_offline_fails_fast_with_exit_code_1_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, empty_url: str
) -> None:
    """The real httpx transport against a closed local port: no outside address is contacted."""
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", empty_url)
    monkeypatch.setattr(update_cli, "TRANSPORT", None)
    started = time.monotonic()
    result = runner.invoke(app, ["update", "--base-url", f"http://127.0.0.1:{_closed_port()}/"])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert "Geen netwerk" in result.output and "Er is niets gewijzigd." in result.output
    assert not Path(empty_url.removeprefix("duckdb://")).exists()


@pytest.mark.usefixtures("url")
def test_a_dropped_connection_reports_what_was_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    inner = recorded_transport()

    def handler(request: httpx.Request) -> httpx.Response:
        if "85146NED/TypedDataSet" in str(request.url):
            raise httpx.ReadError("Connection reset by peer", request=request)
        return inner.handle_request(request)

    monkeypatch.setattr(update_cli, "TRANSPORT", httpx.MockTransport(handler))
    result = runner.invoke(app, ["update", "--since", "2022"])
    assert result.exit_code == 1
    assert "afgebroken" in result.output and "niet uitgevoerd" in result.output
    assert "geladen en bewaard: 47018NED, 47022NED" in result.output
    assert "Start 'veiligstad update' opnieuw" in result.output
