# SPDX-License-Identifier: EUPL-1.2
"""The OData client and normalisation, against recorded responses (no network)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import httpx
import pandas as pd
import pytest

from veiligstad.errors import DataError
from veiligstad.sources.cbs_odata import (
    ODataClient,
    SourceUnavailable,
    known_tables,
    load_definition,
    normalise,
    observations_v4,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "odata"
_PERIOD = re.compile(r"'(\d{4})(?:JJ|MM|KW)\d\d'")


def recorded_transport(
    root: Path = FIXTURES,
    calls: list[httpx.Request] | None = None,
    overrides: dict[str, object] | None = None,
) -> httpx.MockTransport:
    """Serve ``<table>/<resource>[_<year>][_skip<n>].json``; unknown resources → 404."""

    def handler(request: httpx.Request) -> httpx.Response:
        if calls is not None:
            calls.append(request)
        if not request.url.path.rstrip("/").endswith(("NED", "ENG")) and request.url.path.count("/") < 2:
            # The service root (the probe of ``veiligstad update``): a catalogue document.
            return httpx.Response(200, json={"odata.metadata": f"{request.url}$metadata", "value": []})
        table, resource = request.url.path.rstrip("/").split("/")[-2:]
        name = resource
        if resource == "TypedDataSet":
            years = sorted(set(_PERIOD.findall(request.url.params.get("$filter", ""))))
            if years:
                name += f"_{years[0]}"
            if request.url.params.get("$skip"):
                name += f"_skip{request.url.params['$skip']}"
        key = f"{table}/{name}"
        if overrides and key in overrides:
            return httpx.Response(200, json=overrides[key])
        path = root / table / f"{name}.json"
        if not path.is_file():
            return httpx.Response(404, json={"odata.error": {"message": {"value": "not found"}}})
        return httpx.Response(200, content=path.read_bytes(), headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handler)


def _fetch_rows(
    table: str, calls: list[httpx.Request] | None = None, since: int | None = None
) -> tuple[pd.DataFrame, list[str]]:
    from veiligstad.sources.cbs_odata import dataset_requests

    definition = load_definition(table)
    with ODataClient(definition.base_url, transport=recorded_transport(calls=calls)) as client:
        metadata = client.metadata(definition)
        rows = [
            row
            for url, params in dataset_requests(definition, metadata, "GM0935", since)
            for row in client.collection(url, params)
        ]
    result = normalise(definition, metadata, rows, "GM0935")
    return result.frame, result.provisional


def test_every_table_definition_loads() -> None:
    tables = known_tables()
    for table in ("47018NED", "47022NED", "47024NED", "85984NED", "85146NED"):
        assert table in tables
    for table in tables:
        assert load_definition(table.lower()).table_id == table


def test_unknown_table_is_a_dutch_data_error() -> None:
    with pytest.raises(DataError, match="niet bekend"):
        load_definition("99999NED")


def test_keys_stripped_measure_found_via_data_properties_and_paging_followed() -> None:
    calls: list[httpx.Request] = []
    frame, _ = _fetch_rows("47018NED", calls, since=2022)
    assert set(frame["area_code"]) == {"GM0935", "WK093500", "BU09350000", "BU09350001"}
    assert set(frame["measure"]) == {"misdrijven:0.0.0", "misdrijven:1.1.1", "misdrijven:2.2.1"}
    # 2 years × 3 codes × 4 areas; the second 2023 page came from odata.nextLink
    assert len(frame) == 24
    assert any(c.url.params.get("$skip") == "6" for c in calls)
    data_calls = [c for c in calls if c.url.path.endswith("TypedDataSet") and not c.url.params.get("$skip")]
    filters = [c.url.params["$filter"] for c in data_calls]
    assert all("substring(WijkenEnBuurten,2,4) eq '0935'" in f for f in filters)
    assert all(" ge " not in f for f in filters)  # periods listed explicitly
    assert all("GeregistreerdeMisdrijven_1" in c.url.params["$select"] for c in data_calls)
    assert len(data_calls) == 2  # --since 2022: one request per year, 2022 and 2023
    assert (frame["period_type"] == "jaar").all() and set(frame["period"]) == {"2022", "2023"}


def test_null_is_withheld_not_zero() -> None:
    frame, _ = _fetch_rows("47018NED", since=2022)
    cell = frame[
        (frame["measure"] == "misdrijven:1.1.1")
        & (frame["area_code"] == "BU09350001")
        & (frame["period"] == "2023")
    ]
    assert len(cell) == 1 and math.isnan(cell["value"].iloc[0])


def test_year_and_month_rows_kept_apart_and_last_months_provisional() -> None:
    frame, provisional = _fetch_rows("47022NED")
    years = frame[frame["period_type"] == "jaar"]
    months = frame[frame["period_type"] == "maand"]
    assert set(years["period"]) == {"2024"}
    assert len(months["period"].unique()) == 23  # 2024-01 … 2025-11
    total = frame[(frame["measure"] == "misdrijven:0.0.0")]
    # the stored year total is the published one, not the sum of its months
    assert (
        total[total["period"] == "2024"]["value"].iloc[0]
        != total[total["period"].str.startswith("2024-")]["value"].sum()
    )
    assert provisional == ["2025-10", "2025-11"]
    assert set(frame[frame["status"] == "voorlopig"]["period"]) == {"2025-10", "2025-11"}


def test_kwb_population_and_age_bands_without_time_dimension() -> None:
    frame, _ = _fetch_rows("85984NED")
    assert set(frame["period"]) == {"2024"}
    measures = set(frame["measure"])
    assert {"inwoners", "kwb:inwoners-15-24", "kwb:inwoners-65-plus"} <= measures
    withheld = frame[(frame["area_code"] == "BU09350099") & (frame["measure"] == "kwb:inwoners-0-14")]
    assert math.isnan(withheld["value"].iloc[0])
    zero = frame[(frame["area_code"] == "BU09350099") & (frame["measure"] == "inwoners")]
    assert zero["value"].iloc[0] == 0  # a published 0 stays 0


def test_vm_margins_become_lower_and_upper_measures() -> None:
    frame, provisional = _fetch_rows("85146NED")
    assert set(frame["area_code"]) == {"GM0935"}  # the other gemeente is not taken
    assert {
        "vm:weleens-onveilig-buurt",
        "vm:weleens-onveilig-buurt:ondergrens",
        "vm:weleens-onveilig-buurt:bovengrens",
    } <= set(frame["measure"])
    row = frame.set_index(["measure", "period"])["value"]
    assert row["vm:weleens-onveilig-buurt:ondergrens", "2023"] < row["vm:weleens-onveilig-buurt", "2023"]
    assert provisional == ["2023"]  # the Perioden list marks 2023 Voorlopig


def test_renamed_topic_stops_with_the_available_topics() -> None:
    definition = load_definition("47018NED")
    props = json.loads((FIXTURES / "47018NED" / "DataProperties.json").read_text(encoding="utf-8"))
    for p in props["value"]:
        if p["Key"] == "GeregistreerdeMisdrijven_1":
            p["Key"] = "Misdrijven_1"
    transport = recorded_transport(overrides={"47018NED/DataProperties": props})
    with ODataClient(definition.base_url, transport=transport) as client:
        metadata = client.metadata(definition)
    with pytest.raises(DataError, match="geen onderwerp 'GeregistreerdeMisdrijven'") as info:
        normalise(definition, metadata, [], "GM0935")
    assert "Misdrijven_1" in info.value.hint


def test_unknown_crime_code_is_rejected_before_writing() -> None:
    definition = load_definition("47018NED")
    with ODataClient(definition.base_url, transport=recorded_transport()) as client:
        metadata = client.metadata(definition)
    row = {
        "SoortMisdrijf": "9.9.9 ",
        "WijkenEnBuurten": "GM0935    ",
        "Perioden": "2023JJ00",
        "GeregistreerdeMisdrijven_1": 3,
    }
    with pytest.raises(DataError, match=r"9\.9\.9"):
        normalise(definition, metadata, [row], "GM0935")


def test_connection_error_is_source_unavailable_in_dutch() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    with (
        ODataClient(
            "https://dataderden.cbs.nl/ODataApi/odata/", transport=httpx.MockTransport(refuse)
        ) as client,
        pytest.raises(
            SourceUnavailable, match=r"Geen verbinding met CBS/Politie open data \(dataderden\.cbs\.nl\)"
        ),
    ):
        client.collection("47018NED/TableInfos")


def test_v4_observations_read_with_measure_codes() -> None:
    payload = json.loads((FIXTURES / "v4" / "80072ned_Observations_first12.json").read_text(encoding="utf-8"))
    frame = observations_v4(
        payload, {"M001924": "test:ziekteverzuim"}, region_dimension="BedrijfskenmerkenSBI2008"
    )
    assert len(frame) == 12
    assert set(frame["period_type"]) == {"kwartaal", "jaar"}  # kept as separate rows
    assert frame["period"].iloc[0] == "1996Q1" and frame["value"].iloc[0] == 5.5
    assert frame["area_code"].iloc[0] == "T001081"


def _pages_both_ways(table: str, municipality: str | None) -> tuple[list[object], list[object], object]:
    """Every page of a table read as Arrow (``page_tables``) and as rows (``pages``)."""
    from veiligstad.sources.cbs_odata import PageParser, _period_or_none, period_requests

    definition = load_definition(table)
    with ODataClient(definition.base_url, transport=recorded_transport()) as client:
        metadata = client.metadata(definition)
        keys = [
            code.key
            for code in metadata.periods
            if (period := _period_or_none(code.key)) is not None
            and period.type in definition.period_types
            and (FIXTURES / table / f"TypedDataSet_{period.year}.json").is_file()  # recorded years
        ]
        typed, plain = [], []
        for url, params in period_requests(definition, metadata, municipality, keys):
            parser = PageParser(definition, metadata, municipality)
            typed += list(client.page_tables(url, params, parser.fields))
            plain += list(client.pages(url, params))
    return typed, plain, PageParser(definition, metadata, municipality)


@pytest.mark.parametrize("table", ["47018NED", "47022NED", "85146NED", "85984NED"])
def test_typed_pages_give_the_same_observations_as_rows(table: str) -> None:
    """The recorded pages (indented JSON, paging, withheld cells, margins, a table without a
    time dimension) read by pyarrow's JSON reader as columns: the same observations as the
    rows read by orjson, and not a single page needed the fallback."""
    import pyarrow as pa

    typed, plain, parser = _pages_both_ways(table, "GM0935")
    assert typed and all(isinstance(page, pa.Table) for page in typed)
    first = [parser.parse(page).to_pylist() for page in typed]  # type: ignore[attr-defined]
    withheld = parser.withheld  # type: ignore[attr-defined]
    second = [parser.parse(page).to_pylist() for page in plain]  # type: ignore[attr-defined]
    assert first == second and sum(map(len, first)) > 0
    assert parser.withheld == 2 * withheld  # type: ignore[attr-defined]


def test_untyped_cells_and_odd_bodies_fall_back_to_rows() -> None:
    """Text in a number field (an untyped data set: ``" 12"``, ``"."``) cannot be read as typed
    columns: that page comes as rows and is normalised as before (12, withheld). A body
    without a ``value`` list or without JSON is the same Dutch error as in ``pages``."""
    import pyarrow as pa

    from veiligstad.sources.cbs_odata import PageParser

    definition = load_definition("47018NED")
    bodies = {
        "untyped": {
            "value": [
                {
                    "SoortMisdrijf": "0.0.0 ",
                    "WijkenEnBuurten": "GM0935    ",
                    "Perioden": "2023JJ00",
                    "GeregistreerdeMisdrijven_1": " 12",
                },
                {
                    "SoortMisdrijf": "1.1.1 ",
                    "WijkenEnBuurten": "GM0935    ",
                    "Perioden": "2023JJ00",
                    "GeregistreerdeMisdrijven_1": ".",
                },
            ]
        },
        "novalue": {"odata.metadata": "x"},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        if name == "broken":
            return httpx.Response(200, content=b"<html>niet json</html>")
        return httpx.Response(200, content=json.dumps(bodies[name]).encode())

    with ODataClient(definition.base_url, transport=recorded_transport()) as recorded:
        metadata = recorded.metadata(definition)
    parser = PageParser(definition, metadata, "GM0935")
    with ODataClient(definition.base_url, transport=httpx.MockTransport(handler)) as client:
        (page,) = list(client.page_tables("untyped", None, parser.fields))
        assert isinstance(page, list) and not isinstance(page, pa.Table)
        rows = parser.parse(page).to_pylist()
        assert [(r["measure"], r["value"]) for r in rows] == [
            ("misdrijven:0.0.0", 12.0),
            ("misdrijven:1.1.1", None),
        ]
        with pytest.raises(DataError, match="geen 'value'-lijst"):
            list(client.page_tables("novalue", None, parser.fields))
        with pytest.raises(DataError, match="geen geldige JSON"):
            list(client.page_tables("broken", None, parser.fields))
