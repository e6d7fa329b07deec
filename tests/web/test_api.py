# SPDX-License-Identifier: EUPL-1.2
"""The JSON API ``/api/v1`` on the embedded Maastricht data.

Figures are the real ones: registered crime in Maastricht in 2023 was 7,840 on a population of
122,734 on 1 January 2023, i.e. 63.878 per 1,000 (rtol 1e-9: the API returns the computed float).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from veiligstad.engine.significance import Signal
from veiligstad.settings import Settings
from veiligstad.web.api.memo import memoised
from veiligstad.web.api.openapi import customise
from veiligstad.web.api.pagination import MAX_SIZE
from veiligstad.web.app import create_app

API = "/api/v1"
PROBLEM = "application/problem+json"
PROGRAMME = "maastricht-mjp-2023-2026"
CRIME = "misdrijven-totaal"
BUURT_CRIME = "politie-47018ned-maastricht-buurten-2023"
BUURT_POPULATION_2023 = "cbs-85618ned-inwoners-buurten-maastricht-2023"
#: A buurt with 65 inhabitants and fewer than 5 registered crimes in 2023: suppressed in public.
SMALL_BUURT = "BU09350304"
LABELS = {signal.value for signal in Signal}


def get(client: TestClient, path: str, status: int = 200) -> Any:
    """GET an API path; check the status, the content type and the version header."""
    response = client.get(path if path.startswith(API) else API + path)
    assert response.status_code == status, response.text
    expected = "application/json" if status == 200 else PROBLEM
    assert response.headers["content-type"] == expected
    assert response.headers["API-Version"] == "1.0.0"
    return response.json()


def problem(client: TestClient, path: str, status: int) -> dict[str, Any]:
    """A problem document with the RFC 9457 members."""
    body: dict[str, Any] = get(client, path, status)
    assert body["status"] == status
    assert body["instance"] == (path if path.startswith(API) else API + path).split("?")[0]
    assert body["title"] and body["detail"] and body["type"] == "about:blank"
    return body


def every_page(client: TestClient, path: str) -> list[dict[str, Any]]:
    """All items of a paginated list, by following ``links.next``."""
    items: list[dict[str, Any]] = []
    page = get(client, path)
    total = page["page"]["total_items"]
    while True:
        items.extend(page["items"])
        if page["links"]["next"] is None:
            break
        page = get(client, page["links"]["next"])
    assert len(items) == total
    return items


# -- programme and themes -------------------------------------------------------------------


def test_programmes_lists_the_programme_in_force(client: TestClient) -> None:
    body = get(client, "/programmas")
    assert [p["id"] for p in body["items"]] == [PROGRAMME]
    programme = body["items"][0]
    assert programme["municipality"] == "GM0935"
    assert (programme["period_start"], programme["period_end"], programme["baseline_year"]) == (
        2023,
        2026,
        2021,
    )
    assert programme["links"]["self"] == f"{API}/programmas/{PROGRAMME}"


def test_programme_has_themes_with_indicator_status(client: TestClient) -> None:
    body = get(client, f"/programmas/{PROGRAMME}")
    assert body["decision"]["date"] == "2023-01-31"
    assert (body["decision"]["votes_for"], body["decision"]["votes_against"]) == (29, 2)
    themes = {t["id"]: t for t in body["themes"]}
    assert len(themes) == 6
    assert {t["kind"] for t in themes.values()} == {"speerpunt", "aandachtspunt"}
    hic = {i["indicator_id"] for i in themes["veelvoorkomende-criminaliteit-hic"]["indicators"]}
    assert {"winkeldiefstallen", "geweldsmisdrijven", "diefstallen-uit-woning"} <= hic
    for status in [i for t in body["themes"] for i in t["indicators"]] + body["context_indicators"]:
        assert status["significance"]["label"] in LABELS
        assert status["verdict"] in LABELS | {"verbeterd", "verslechterd"}


def test_programme_status_of_registered_crime_is_a_tested_change(client: TestClient) -> None:
    body = get(client, f"/programmas/{PROGRAMME}")
    crime = next(i for i in body["context_indicators"] if i["indicator_id"] == CRIME)
    # 2021 is missing: the nearest earlier year (2020) is the baseline, and the note says so.
    assert crime["baseline"]["year"] == 2020 and crime["baseline"]["source"] == "berekend"
    assert crime["latest"]["year"] == 2024
    assert crime["latest"]["value"] == pytest.approx(66.3926, abs=1e-4)
    assert "basisjaar 2021 ontbreekt" in crime["note"]
    # +18% since 2020 lies within the series' year-to-year variation once φ is used (was "verslechterd")
    assert crime["significance"]["label"] == "geen significante verandering"
    assert crime["significance"]["p_value"] > 0.05
    assert crime["significance"]["method"].startswith("quasi-Poisson")
    assert crime["significance"]["phi"].startswith("φ = ")
    assert crime["verdict"] == "geen significante verandering"
    low, high = crime["computed"]["interval"]["lower"], crime["computed"]["interval"]["upper"]
    assert low < crime["computed"]["value"] < high


def test_an_indicator_without_data_says_why_and_shows_no_zero(client: TestClient) -> None:
    body = get(client, f"/programmas/{PROGRAMME}")
    statuses = [i for t in body["themes"] for i in t["indicators"]]
    overlast = next(i for i in statuses if i["indicator_id"] == "schaalscore-overlast")
    assert overlast["computed"] is None
    assert overlast["reason"] == "geen brongegevens geladen"
    assert overlast["remedy"] in (
        "Nieuwere cijfers zijn gepubliceerd, maar staan nog niet in deze monitor.",
        "De gemeente heeft nog geen nieuwer cijfer in deze monitor gezet.",
    )
    assert overlast["latest"] == {"year": 2021, "value": 17.1, "source": "gepubliceerd"}
    assert overlast["significance"]["label"] == "te weinig gegevens"


def test_unknown_programme_is_a_404_problem(client: TestClient) -> None:
    assert "maastricht-mjp-2023-2026" in problem(client, "/programmas/ander-programma", 404)["detail"]


def test_themes_and_one_theme(client: TestClient) -> None:
    themes = get(client, "/themas")["items"]
    assert len(themes) == 6
    hic = next(t for t in themes if t["id"] == "veelvoorkomende-criminaliteit-hic")
    assert "halt-verwijzingen" in hic["indicator_ids"]
    body = get(client, hic["links"]["self"])
    assert [i["indicator_id"] for i in body["indicators"]] == hic["indicator_ids"]
    problem(client, "/themas/bestaat-niet", 404)


# -- indicators and values ------------------------------------------------------------------


def test_indicators_list_and_definition(client: TestClient) -> None:
    items = {i["id"]: i for i in get(client, "/indicatoren")["items"]}
    assert CRIME in items and items[CRIME]["in_programme"]
    body = get(client, items[CRIME]["links"]["self"])
    assert body["kind"] == "rate" and body["per"] == 1000 and body["denominator"] == "inwoners"
    assert body["numerator"] == ["misdrijven:0.0.0"]
    assert {"2010", "2023", "2024"} <= set(body["periods"])
    assert body["levels"] == ["land", "gemeente", "stadsdeel", "wijk", "buurt"]
    assert body["links"]["values"] == f"{API}/indicatoren/{CRIME}/waarden"


def test_published_series_keeps_geen_meting_as_null(client: TestClient) -> None:
    published = get(client, "/indicatoren/onveilig-gevoel-buurt")["published"]
    by_year = {v["year"]: v for v in published["values"]}
    assert by_year[2017] == {"year": 2017, "value": 24.2, "status": "gemeten"}
    assert by_year[2018] == {"year": 2018, "value": None, "status": "geen meting"}


def test_unknown_indicator_is_a_404_problem(client: TestClient) -> None:
    body = problem(client, "/indicatoren/bestaat-niet", 404)
    assert CRIME in body["detail"]  # names the known ids
    problem(client, "/indicatoren/bestaat-niet/waarden", 404)


def test_maastricht_2023_value_with_interval_and_provenance(client: TestClient) -> None:
    body = get(client, f"/indicatoren/{CRIME}/waarden?gebied=GM0935&periode=2023")
    [value] = body["items"]
    assert (value["numerator"], value["denominator"], value["denominator_year"]) == (7840, 122734, 2023)
    assert value["value"] == pytest.approx(7840 / 122734 * 1000, rel=1e-9)
    assert value["unit"] == "per 1.000 inwoners" and value["per"] == 1000
    interval = value["interval"]
    assert interval["confidence"] == 0.95
    assert interval["lower"] == pytest.approx(62.4717, abs=1e-4)
    assert interval["upper"] == pytest.approx(65.3079, abs=1e-4)
    assert not value["suppressed"] and value["disclosure"] is None
    assert value["provenance"]["numerator_source"] == "misdrijven:0.0.0"
    roles = {(s["source_id"], s["role"]) for s in value["provenance"]["sources"]}
    assert roles == {
        ("politie-47013ned-gemeenten-2022-2024", "teller"),
        ("cbs-37230ned-inwoners-gemeenten-2003-2025", "noemer"),
    }


def test_buurt_values_of_2023(client: TestClient) -> None:
    items = every_page(client, f"/indicatoren/{CRIME}/waarden?niveau=buurt&periode=2023&per_pagina=10")
    assert len(items) == 44
    binnenstad = next(i for i in items if i["area_code"] == "BU09350000")
    assert binnenstad["area_name"] == "Binnenstad"
    assert (binnenstad["numerator"], binnenstad["denominator"]) == (1232, 2205)
    assert binnenstad["value"] == pytest.approx(558.7302, abs=1e-4)
    assert not binnenstad["approximate"]  # population of 1 January 2023 (KWB 2023)
    sources = {s["source_id"] for s in binnenstad["provenance"]["sources"]}
    assert sources == {BUURT_CRIME, BUURT_POPULATION_2023}


def test_a_wijk_value_names_the_buurt_sources_it_was_summed_from(client: TestClient) -> None:
    [wijk] = get(client, f"/indicatoren/{CRIME}/waarden?gebied=WK093500&periode=2023")["items"]
    assert wijk["numerator"] == 3292
    sources = {s["source_id"] for s in wijk["provenance"]["sources"]}
    assert sources == {BUURT_CRIME, BUURT_POPULATION_2023}


def test_a_suppressed_count_has_no_value_numerator_or_interval(client: TestClient) -> None:
    [small] = get(client, f"/indicatoren/{CRIME}/waarden?gebied={SMALL_BUURT}&periode=2023")["items"]
    assert small["suppressed"] is True and small["disclosure"] == "< 5"
    assert small["value"] is None and small["numerator"] is None and small["interval"] is None
    assert small["difference"] is None
    assert small["denominator"] == 65  # the population is public


def test_a_count_that_would_give_a_small_one_away_is_withheld_too(client: TestClient) -> None:
    [small] = get(client, f"/indicatoren/{CRIME}/waarden?gebied={SMALL_BUURT}&periode=2023")["items"]
    assert small["suppression"] == "primair"
    [sister] = get(client, f"/indicatoren/{CRIME}/waarden?gebied=BU09350303&periode=2023")["items"]
    assert sister["suppressed"] is True and sister["suppression"] == "secundair"
    assert sister["disclosure"] == "afgeschermd" and sister["value"] is sister["numerator"] is None
    [wijk] = get(client, f"/indicatoren/{CRIME}/waarden?gebied=WK093503&periode=2023")["items"]
    assert wijk["numerator"] == 231 and wijk["suppression"] is None  # published: 2 buurten unknown


def test_no_public_value_shows_a_count_below_five(client: TestClient) -> None:
    for level in ("buurt", "wijk", "stadsdeel"):
        for item in every_page(client, f"/indicatoren/{CRIME}/waarden?niveau={level}&per_pagina={MAX_SIZE}"):
            count = item["numerator"]
            assert count is None or count == 0 or count >= 5, item
            if item["suppressed"]:
                assert item["value"] is None and item["interval"] is None


def test_a_missing_value_says_why(client: TestClient) -> None:
    # (Nederland has a computed value from 47021NED; Maastricht only the published one)
    items = get(client, "/indicatoren/schaalscore-overlast/waarden?gebied=GM0935&periode=2021")["items"]
    [row] = items
    assert row["value"] is None and row["numerator"] is None
    assert row["reason"] == "no-source-data" and row["reason_text"].startswith("geen brongegevens")
    assert row["published"] == {"value": 17.1, "unit": "per 1.000 inwoners", "status": "gemeten"}
    assert row["reconciliation"] == "alleen gepubliceerd"


def test_values_pagination_links(client: TestClient) -> None:
    path = f"{API}/indicatoren/{CRIME}/waarden?niveau=gemeente&per_pagina=50"
    first = get(client, path)
    total, pages = first["page"]["total_items"], first["page"]["total_pages"]
    assert total > 4000 and pages == -(-total // 50)
    links = first["links"]
    assert links["prev"] is None
    assert links["first"] == f"{API}/indicatoren/{CRIME}/waarden?niveau=gemeente&pagina=1&per_pagina=50"
    assert links["next"].endswith("niveau=gemeente&pagina=2&per_pagina=50")
    last = get(client, links["last"])
    assert last["links"]["next"] is None
    assert len(last["items"]) == total - 50 * (pages - 1)
    assert last["links"]["prev"].endswith(f"pagina={pages - 1}&per_pagina=50")
    beyond = get(client, f"{path}&pagina={pages + 5}")
    assert beyond["items"] == [] and beyond["links"]["prev"] == links["last"]


def test_every_provenance_link_points_at_a_source(client: TestClient) -> None:
    known = {s["source_id"] for s in get(client, "/bronnen")["items"]}
    items = get(client, f"/indicatoren/{CRIME}/waarden?per_pagina={MAX_SIZE}")["items"]
    linked = {s["source_id"] for i in items for s in i["provenance"]["sources"]}
    assert linked and linked <= known


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("niveau=provincie", "query.niveau"),  # not a level
        ("periode=2023JJ", "query.periode"),  # not a canonical period
        ("per_pagina=0", "query.per_pagina"),
        (f"per_pagina={MAX_SIZE + 1}", "query.per_pagina"),
        ("pagina=nul", "query.pagina"),
    ],
)
def test_bad_parameters_are_400_problems_listing_each_error(
    client: TestClient, query: str, location: str
) -> None:
    body = problem(client, f"/indicatoren/{CRIME}/waarden?{query}", 400)
    assert [e["location"] for e in body["errors"]] == [location]


def test_a_bad_level_lists_the_valid_levels(client: TestClient) -> None:
    body = problem(client, "/gebieden?niveau=provincie", 400)
    assert all(level in body["detail"] for level in ("gemeente", "stadsdeel", "wijk", "buurt"))


def test_unknown_area_filter_is_a_404_problem(client: TestClient) -> None:
    problem(client, f"/indicatoren/{CRIME}/waarden?gebied=BU00000000", 404)


# -- areas and sources -----------------------------------------------------------------------


def test_areas_of_maastricht_per_level(client: TestClient) -> None:
    counts = {
        level: get(client, f"/gebieden?gemeente=GM0935&niveau={level}")["page"]["total_items"]
        for level in ("gemeente", "stadsdeel", "wijk", "buurt")
    }
    assert counts == {"gemeente": 1, "stadsdeel": 7, "wijk": 7, "buurt": 44}
    assert get(client, "/gebieden?niveau=gemeente")["page"]["total_items"] > 300


def test_area_with_its_parents(client: TestClient) -> None:
    body = get(client, "/gebieden/BU09350000")
    assert (body["name"], body["level"], body["has_geometry"]) == ("Binnenstad", "buurt", True)
    assert [p["code"] for p in body["parents"]] == ["NL01", "GM0935", "SD093501", "WK093500"]
    assert [p["level"] for p in body["parents"]] == ["land", "gemeente", "stadsdeel", "wijk"]
    assert get(client, "/gebieden/NL01")["parents"] == []


def test_unknown_areas_are_problems(client: TestClient) -> None:
    problem(client, "/gebieden/XX0000", 404)
    problem(client, "/gebieden?gemeente=GM9999", 404)
    problem(client, "/gebieden?gemeente=Maastricht", 400)


def test_sources_with_newest_period_and_freshness(client: TestClient) -> None:
    items = {s["source_id"]: s for s in get(client, "/bronnen")["items"]}
    buurten = items["politie-47018ned-maastricht-buurten-2023"]
    assert (buurten["table_id"], buurten["newest_period"], buurten["kind"]) == (
        "47018NED",
        "2023",
        "embedded",
    )
    assert buurten["snapshot"] is True and buurten["warning"].startswith("momentopname")
    assert buurten["loaded_at"].endswith("Z") or "+00:00" in buurten["loaded_at"]
    assert "loaded_by" not in buurten  # who loaded it is internal
    assert get(client, buurten["links"]["self"]) == buurten
    problem(client, "/bronnen/bestaat-niet", 404)


# -- alerts and hotspots ---------------------------------------------------------------------


def test_alerts_are_significant_changes_newest_first(client: TestClient) -> None:
    items = get(client, "/signalen")["items"]  # the embedded data: none left once φ is used
    assert {i["signal"] for i in items} <= {Signal.ROSE.value, Signal.FELL.value}
    assert all(i["p_value"] < 0.05 and i["q_value"] < 0.05 for i in items)
    ends = [i["period_end"] for i in items]
    assert ends == sorted(ends, reverse=True)
    since = get(client, "/signalen?sinds=2024-01-01")
    assert since["since"] == "2024-01-01"
    assert all(i["period_end"] >= "2024-01-01" for i in since["items"])
    assert get(client, "/signalen?sinds=2099-01-01")["items"] == []


@pytest.mark.parametrize("since", ["0", "2024-13-01", "gisteren"])
def test_a_bad_date_is_a_400_problem(client: TestClient, since: str) -> None:
    problem(client, f"/signalen?sinds={since}", 400)


def test_buurt_hotspots_of_2023(client: TestClient) -> None:
    body = get(client, f"/hotspots?indicator={CRIME}&periode=2023")
    assert (body["level"], body["municipality"], body["permutations"]) == ("buurt", "GM0935", 9999)
    assert body["smoothing"] == "empirical Bayes" and body["measure"] == "rate"
    # five non-residential buurten (< 100 inhabitants) are left out of an analysis of rates
    assert len(body["items"]) == 44 and body["analysed"] == 39 and len(body["left_out"]) == 5
    assert sum(body["counts"].values()) == 44
    for item in body["items"]:
        assert item["p"] is None or 0 < item["p"] <= 1
        assert item["lisa_quadrant"] in {"HH", "LL", "HL", "LH", None}
    small = next(i for i in body["items"] if i["area_code"] == SMALL_BUURT)
    assert small["suppressed"] and small["disclosure"] == "< 5"
    assert small["value"] is small["numerator"] is small["z"] is small["smoothed_value"] is None
    assert "weinig inwoners (< 200)" in small["flags"]


def test_hotspots_at_gemeente_level_cover_the_netherlands(client: TestClient) -> None:
    body = get(client, f"/hotspots?indicator={CRIME}&periode=2023&niveau=gemeente")
    assert body["municipality"] is None and body["analysed"] > 300
    assert body["islands"]  # the Wadden islands are linked to the mainland


def test_hotspots_on_fewer_than_thirty_areas_are_refused(client: TestClient) -> None:
    body = problem(client, f"/hotspots?indicator={CRIME}&periode=2023&niveau=stadsdeel", 409)
    assert "Te weinig gebieden: 7 gebieden" in body["detail"] and "minstens 30 nodig" in body["detail"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("indicator=bestaat-niet&periode=2023", 404),
        (f"indicator={CRIME}&periode=2019&niveau=buurt", 404),  # buurt figures only for 2023
        (f"indicator={CRIME}&periode=2023&niveau=land", 400),  # one area: no neighbours
        (f"indicator={CRIME}", 400),  # periode is required
    ],
)
def test_hotspot_problems(client: TestClient, query: str, status: int) -> None:
    problem(client, f"/hotspots?{query}", status)


# -- protocol --------------------------------------------------------------------------------


def test_unknown_path_and_method_are_problems_with_the_version_header(client: TestClient) -> None:
    problem(client, "/bestaat-niet", 404)
    response = client.post(f"{API}/indicatoren")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["Allow"] == "GET"
    assert response.headers["API-Version"] == "1.0.0"


def test_openapi_document_lists_every_path_with_its_problems(client: TestClient) -> None:
    document = get(client, "/openapi.json")
    paths = {p for p in document["paths"] if p.startswith(API)}
    assert paths == {
        f"{API}/programmas",
        f"{API}/programmas/{{id}}",
        f"{API}/themas",
        f"{API}/themas/{{id}}",
        f"{API}/indicatoren",
        f"{API}/indicatoren/{{id}}",
        f"{API}/indicatoren/{{id}}/waarden",
        f"{API}/gebieden",
        f"{API}/gebieden/{{code}}",
        f"{API}/bronnen",
        f"{API}/bronnen/{{id}}",
        f"{API}/signalen",
        f"{API}/hotspots",
    }
    for path in paths:
        assert not path.endswith("/")
        responses = document["paths"][path]["get"]["responses"]
        assert "422" not in responses  # validation errors are 400 problems
        for status in ("200", "400", "404"):
            assert "API-Version" in responses[status]["headers"], (path, status)
        for status in ("400", "404", "4XX"):
            assert list(responses[status]["content"]) == [PROBLEM], (path, status)


def test_a_trailing_slash_redirects_to_the_path_without_one(client: TestClient) -> None:
    response = client.get(f"{API}/indicatoren/")
    assert response.status_code in (307, 308)
    assert response.headers["location"].endswith(f"{API}/indicatoren")


def test_customise_describes_tags_licence_and_conventions() -> None:
    app = create_app(Settings(database_url="duckdb:///:memory:", secret_key="openapi-document-only"))
    customise(app)
    customise(app)  # idempotent
    document = app.openapi()
    assert document["info"]["license"]["identifier"] == "EUPL-1.2"
    assert document["info"]["description"].count("NL API Design Rules") == 1
    used = {tag for item in document["paths"].values() for op in item.values() for tag in op.get("tags", [])}
    described = {tag["name"] for tag in document["tags"]}
    assert used <= described


def test_concurrent_first_requests_build_once() -> None:
    snapshot = SimpleNamespace(token="t", memo={})
    calls: list[int] = []
    start = threading.Barrier(4)

    def build() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "built"

    def ask() -> str:
        start.wait()
        return memoised(snapshot, ("test-memo",), str, build)  # type: ignore[arg-type]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: ask(), range(4)))
    assert results == ["built"] * 4 and len(calls) == 1


def test_a_missing_value_says_what_fills_it(client: TestClient) -> None:
    """Beside the reason code and text, ``remedy`` says (without commands) what fills the gap."""
    items = get(client, "/indicatoren/schaalscore-overlast/waarden?gebied=GM0935")["items"]
    missing = [i for i in items if i["value"] is None and not i["suppressed"]]
    assert missing, "expected a missing value"
    for item in missing:
        assert item["reason"] and item["remedy"], item
        assert "veiligstad" not in item["remedy"] and "`" not in item["remedy"]
    present = [i for i in items if i["value"] is not None]
    assert all(i["remedy"] is None for i in present)
