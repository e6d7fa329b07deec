# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad update`` (services.update): plan, metadata checks, streaming, resume.

Recorded responses: ``tests/fixtures/odata/`` (built by ``build_fixtures.py`` from the real
wire format, metadata, code lists and period statuses in ../shared/data; the figures in them
are test data). Paging at scale runs against ``RecordedServer`` of ``benchmarks/update.py``:
a real local HTTP server serving the same recorded format with figures generated from a seed.
"""

from __future__ import annotations

import importlib.util
import json
import math
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.sources.test_cbs_odata import FIXTURES, recorded_transport
from veiligstad.definitions.validation import Definitions
from veiligstad.services import update
from veiligstad.sources.cbs_odata import ODataClient
from veiligstad.storage.warehouse import Warehouse

ROOT = Path(__file__).parents[2]


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_update", ROOT / "benchmarks" / "update.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmark_update"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(f"duckdb://{tmp_path / 'w.duckdb'}") as warehouse:
        warehouse.ensure_schema()
        yield warehouse


def _client(transport: httpx.BaseTransport) -> update.ClientFor:
    client = ODataClient("https://dataderden.cbs.nl/ODataApi/odata/", transport=transport)
    return lambda _definition: client


def _update(
    warehouse: Warehouse,
    definitions: Definitions,
    transport: httpx.BaseTransport | None = None,
    since: int | None = 2022,
) -> tuple[update.Plan, update.UpdateReport]:
    client_for = _client(transport or recorded_transport())
    plan = update.make_plan(
        definitions, client_for, lambda s: update.held_periods(warehouse, s), "GM0935", since
    )
    return plan, update.run_update(plan, warehouse, client_for, loaded_by="tester")


def _outcomes(report: update.UpdateReport) -> dict[str, str]:
    return {t.table_id: t.outcome for t in report.tables}


def _source(warehouse: Warehouse, source: str) -> list[dict[str, Any]]:
    obs = warehouse.observations()
    rows = obs.filter(obs.source_id == source).order_by(["measure", "area_code", "period"]).to_pyarrow()
    return rows.drop_columns(["batch_id"]).to_pylist()


def test_the_plan_follows_the_programme_measures(definitions: Definitions) -> None:
    needs, missing = update.needed_tables(definitions)
    tables = {n.definition.table_id: n for n in needs}
    kwb = {"84286NED", "84583NED", "84799NED", "85039NED", "85318NED", "85618NED", "85984NED"}
    assert {"47018NED", "47022NED", "47024NED", "83648NED", "85146NED"} | kwb == set(tables)
    assert "misdrijven:1.1.1" in tables["47018NED"].measures
    assert "schaalscore-overlast" in tables["47024NED"].indicators
    assert "vm:weleens-onveilig-buurt:ondergrens" in tables["85146NED"].measures
    assert tables["85984NED"].measures == ("inwoners",)
    # Geweldsmisdrijven after 2017: CBS 83648NED (SCM codes, per gemeente).
    assert "misdrijven-scm:CRI3000" in tables["83648NED"].measures
    assert "geweldsmisdrijven" in tables["83648NED"].indicators
    # No table definition delivers these: the plan names them instead of guessing.
    assert {"halt:verwijzingen", "inwoners-12-17"} <= set(missing)
    assert "misdrijven-scm:CRI3000" not in missing


def test_happy_path_loads_every_recorded_table_once(fresh: Warehouse, definitions: Definitions) -> None:
    plan, report = _update(fresh, definitions)
    actions = {t.table_id: t.action for t in plan.tables}
    assert actions["47018NED"] == "laden" and actions["84286NED"] == "overslaan"  # 2018 < --since 2022
    outcomes = _outcomes(report)
    assert {outcomes[t] for t in ("47018NED", "47022NED", "85146NED", "85984NED")} == {"geladen"}
    # Tables the server does not have (HTTP 404 on their metadata) are reported, not fatal.
    assert outcomes["47024NED"] == "overgeslagen" and outcomes["85318NED"] == "overgeslagen"
    first = {t.table_id: t for t in report.tables}["47018NED"]
    assert first.rows_total == 24 and first.periods == ["2022", "2023"] and first.pages == 3
    batch = fresh.batches().execute().set_index("source_id").loc["cbs-47018ned-gm0935"]
    assert batch["kind"] == "cbs" and batch["loaded_by"] == "tester" and batch["table_id"] == "47018NED"
    assert "buurtindeling van 2024" in batch["notes"]
    assert any("veiligstad import boundaries" in step for step in report.next_steps)
    # The same update again: nothing new, nothing fetched for 47018NED and KWB 2024.
    again_plan, again = _update(fresh, definitions, since=None)
    assert {t.table_id: t.action for t in again_plan.tables}["47018NED"] == "actueel"
    assert _outcomes(again)["85984NED"] == "actueel"


def test_withheld_cells_are_null_not_zero(fresh: Warehouse, definitions: Definitions) -> None:
    page = json.loads((FIXTURES / "47018NED" / "TypedDataSet_2022.json").read_text(encoding="utf-8"))
    # UntypedDataSet style (right-aligned text, '.' and '' for withheld), as in the 83599NED recording.
    page["value"][0]["GeregistreerdeMisdrijven_1"] = "     ."
    page["value"][1]["GeregistreerdeMisdrijven_1"] = ""
    page["value"][2]["GeregistreerdeMisdrijven_1"] = "    17"
    _update(fresh, definitions, recorded_transport(overrides={"47018NED/TypedDataSet_2022": page}))
    rows = {
        (r["measure"], r["area_code"], r["period"]): r["value"] for r in _source(fresh, "cbs-47018ned-gm0935")
    }
    assert rows[("misdrijven:0.0.0", "GM0935", "2022")] is None
    assert rows[("misdrijven:0.0.0", "WK093500", "2022")] is None
    assert rows[("misdrijven:0.0.0", "BU09350000", "2022")] == 17.0
    assert rows[("misdrijven:1.1.1", "BU09350001", "2023")] is None  # null in the recording
    kwb = _source(fresh, "cbs-85984ned-gm0935")
    withheld = [r for r in kwb if r["area_code"] == "BU09350099" and r["measure"] != "inwoners"]
    assert withheld and all(r["value"] is None for r in withheld)


def test_provisional_periods_are_marked_and_fetched_again(fresh: Warehouse, definitions: Definitions) -> None:
    _, report = _update(fresh, definitions, since=2021)
    monthly = {t.table_id: t for t in report.tables}["47022NED"]
    assert monthly.provisional == ["2025-10", "2025-11"]
    statuses = {(r["period"], r["status"]) for r in _source(fresh, "cbs-47022ned-gm0935")}
    assert ("2025-11", "voorlopig") in statuses and ("2025-09", "definitief") in statuses
    survey = {(r["period"], r["status"]) for r in _source(fresh, "cbs-85146ned-gm0935")}
    assert survey == {("2021", "definitief"), ("2023", "voorlopig")}  # Perioden Status 'Voorlopig'
    before = _source(fresh, "cbs-47022ned-gm0935")
    plan, again = _update(fresh, definitions, since=None)
    periods = {t.table_id: t.period_codes for t in plan.tables if t.fetches}
    assert periods["47022NED"] == ["2025-10", "2025-11"] and periods["85146NED"] == ["2023"]
    assert "85984NED" not in periods
    assert {t.table_id: t for t in again.tables}["47022NED"].outcome == "ongewijzigd"
    assert _source(fresh, "cbs-47022ned-gm0935") == before  # merged back, not shortened


def test_a_table_whose_metadata_changed_is_skipped_and_left_alone(
    fresh: Warehouse, definitions: Definitions
) -> None:
    _update(fresh, definitions)
    before = _source(fresh, "cbs-47018ned-gm0935")
    batches = int(fresh.batches().count().execute())
    props = json.loads((FIXTURES / "47018NED" / "DataProperties.json").read_text(encoding="utf-8"))
    props["value"][3]["Key"] = "AantalMisdrijven_1"  # CBS renamed the topic
    calls: list[httpx.Request] = []
    transport = recorded_transport(calls=calls, overrides={"47018NED/DataProperties": props})
    plan, report = _update(fresh, definitions, transport, since=2023)
    skipped = {t.table_id: t for t in plan.tables}["47018NED"]
    assert skipped.action == "overslaan" and "GeregistreerdeMisdrijven" in skipped.reason
    assert "AantalMisdrijven_1" in skipped.reason  # the topics the table has now
    assert _outcomes(report)["47018NED"] == "overgeslagen"
    assert not [c for c in calls if c.url.path.endswith("47018NED/TypedDataSet")]  # no data read
    assert _source(fresh, "cbs-47018ned-gm0935") == before
    loaded = sum(t.outcome == "geladen" for t in report.tables)
    assert int(fresh.batches().count().execute()) == batches + loaded


def test_new_category_codes_skip_the_table_before_loading(fresh: Warehouse, definitions: Definitions) -> None:
    codes = json.loads((FIXTURES / "47018NED" / "SoortMisdrijf.json").read_text(encoding="utf-8"))
    codes["value"].append({"Key": "9.9.9 ", "Title": "Nieuw", "Description": None, "CategoryGroupID": None})
    plan, report = _update(
        fresh, definitions, recorded_transport(overrides={"47018NED/SoortMisdrijf": codes})
    )
    assert "9.9.9" in {t.table_id: t for t in plan.tables}["47018NED"].reason
    assert _outcomes(report)["47018NED"] == "overgeslagen"
    assert _source(fresh, "cbs-47018ned-gm0935") == []


def _failing(fail: str, calls: list[httpx.Request] | None = None) -> httpx.MockTransport:
    """The recorded responses, but the connection drops on requests whose URL contains ``fail``."""
    inner = recorded_transport(calls=calls)

    def handler(request: httpx.Request) -> httpx.Response:
        if fail in str(request.url):
            raise httpx.ReadError("Connection reset by peer", request=request)
        return inner.handle_request(request)

    return httpx.MockTransport(handler)


def test_a_failure_midway_keeps_complete_tables_and_a_rerun_resumes(
    fresh: Warehouse, definitions: Definitions
) -> None:
    # The second page of 47018NED (…$skip=6) fails: that table must not be half loaded.
    _, report = _update(fresh, definitions, _failing("skip=6"))
    outcomes = _outcomes(report)
    assert report.interrupted and outcomes["47018NED"] == "afgebroken"
    assert outcomes["47022NED"] == "niet uitgevoerd" and outcomes["85984NED"] == "niet uitgevoerd"
    assert _source(fresh, "cbs-47018ned-gm0935") == []
    # Rerun, now 85146NED's data fails: 47018NED and 47022NED are loaded completely.
    _, second = _update(fresh, definitions, _failing("85146NED/TypedDataSet"))
    assert _outcomes(second)["47018NED"] == "geladen" and _outcomes(second)["47022NED"] == "geladen"
    assert _outcomes(second)["85146NED"] == "afgebroken"
    # Third run without --since: complete tables are not fetched again.
    calls: list[httpx.Request] = []
    _, third = _update(fresh, definitions, recorded_transport(calls=calls), since=None)
    fetched = {c.url.path.split("/")[-2] for c in calls if c.url.path.endswith("TypedDataSet")}
    assert "47018NED" not in fetched
    assert {"85146NED", "85984NED"} <= fetched
    assert _outcomes(third)["85146NED"] == "geladen" and _outcomes(third)["85984NED"] == "geladen"
    assert len(_source(fresh, "cbs-47018ned-gm0935")) == 24


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_closed_port_fails_fast_and_changes_nothing(fresh: Warehouse, definitions: Definitions) -> None:
    _update(fresh, definitions)
    before = int(fresh.batches().count().execute()), int(fresh.observations().count().execute())
    started = time.monotonic()
    with (
        ODataClient(f"http://127.0.0.1:{_closed_port()}/") as client,
        pytest.raises(update.NoNetwork, match=r"Geen netwerk.*Er is niets gewijzigd") as caught,
    ):
        update.make_plan(definitions, lambda _d: client, lambda s: update.held_periods(fresh, s), "GM0935")
    assert time.monotonic() - started < 5
    assert caught.value.exit_code == 1
    assert (int(fresh.batches().count().execute()), int(fresh.observations().count().execute())) == before


def test_paging_over_a_real_local_server(fresh: Warehouse, definitions: Definitions) -> None:
    bench = _benchmark()
    server = bench.RecordedServer(scale=0.002, seed=7, page_size=97)
    port = server.start()
    client = ODataClient(f"http://127.0.0.1:{port}/")
    try:
        gemeente = next(a for a in server.areas if a.startswith("GM"))
        for scope in (gemeente, None):
            plan = update.make_plan(definitions, lambda _d: client, lambda _s: {}, scope, tables=["47018NED"])
            report = update.run_update(plan, fresh, lambda _d: client)
            outcome = report.tables[0]
            want = bench.expected(7, server.areas, server.codes, {gemeente} if scope else None)
            assert outcome.outcome == "geladen", outcome
            assert outcome.rows_total == want.rows and outcome.withheld == want.withheld > 0
            assert outcome.pages > len(bench.YEARS)  # every request ran over several pages
            obs = fresh.observations()
            mine = obs.filter(obs.source_id == outcome.source_id)
            total = mine.value.sum().execute()
            assert (
                math.isclose(total, want.total) and int(mine.value.isnull().sum().execute()) == want.withheld
            )
        assert any("$skip=" in path for path in server.requests)
    finally:
        client.close()
        server.stop()


def test_the_benchmark_runs_at_a_tiny_scale() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "update.py"),
            "--scale",
            "0.002",
            "--gemeenten",
            "1",
            "--in-process",  # one interpreter: ~30 s instead of ~75 s on the loaded 2-core machine
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    runs = {r["impl"]: r for r in data["runs"]}
    assert set(runs) == {"update-all", "import-cbs-gemeenten", "update-gemeenten"}
    assert all(r["ok"] and r["rows"] == r["expected_rows"] > 0 for r in runs.values())
    assert all(r["peak_mb"] >= r["start_mb"] > 0 and len(r["load"]) == 2 for r in runs.values())
    # The per-gemeente update stores exactly what the existing import stores.
    assert runs["update-gemeenten"]["total"] == runs["import-cbs-gemeenten"]["total"]


def test_unknown_table_is_named(definitions: Definitions) -> None:
    with pytest.raises(update.DataError, match="niet bekend"):
        update.needed_tables(definitions, ["12345XYZ"])


def test_a_page_served_twice_is_caught_before_storing(fresh: Warehouse, definitions: Definitions) -> None:
    first = json.loads((FIXTURES / "47018NED" / "TypedDataSet_2023.json").read_text(encoding="utf-8"))
    repeated = {key: value for key, value in first.items() if key != "odata.nextLink"}  # a paging error
    plan, report = _update(
        fresh, definitions, recorded_transport(overrides={"47018NED/TypedDataSet_2023_skip6": repeated})
    )
    outcome = {t.table_id: t for t in report.tables}["47018NED"]
    assert outcome.outcome == "overgeslagen" and "dubbele cijfers" in outcome.message
    assert _source(fresh, "cbs-47018ned-gm0935") == []
    assert _outcomes(report)["47022NED"] == "geladen"  # the other tables go ahead
    del plan


def test_pages_are_read_ahead_in_order_and_errors_arrive_in_their_place() -> None:
    """``prefetched``: the producer thread keeps the order, stays at most ``ahead`` items in
    front, hands its exception over after the items before it, and stops when the consumer
    stops early."""
    import threading

    produced: list[int] = []

    def numbers(fail_at: int | None = None) -> Iterator[int]:
        for n in range(10):
            if n == fail_at:
                raise update.SourceUnavailable("weg")
            produced.append(n)
            yield n

    assert list(update.prefetched(numbers())) == list(range(10))
    seen = []
    with pytest.raises(update.SourceUnavailable, match="weg"):
        for n in update.prefetched(numbers(fail_at=4)):
            seen.append(n)
    assert seen == [0, 1, 2, 3]
    produced.clear()
    stream = update.prefetched(numbers(), ahead=2)
    assert next(stream) == 0
    time.sleep(0.3)
    assert len(produced) <= 4  # one handed over, two queued, one waiting to be put
    stream.close()
    assert not [t for t in threading.enumerate() if t.name == "veiligstad-prefetch"]
