# SPDX-License-Identifier: EUPL-1.2
"""Hotspots page: Gi* and LISA maps, the table per area, disclosure, method text, errors."""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.services.test_emerging import NEW_CENTRE, new_hotspot_values
from tests.web.spreadsheet import dutch_csv
from veiligstad.services import gaps
from veiligstad.services.snapshot import Snapshot
from veiligstad.settings import Settings
from veiligstad.web.app import create_app
from veiligstad.web.pages import hotspots

#: Lanakerveld: 65 inhabitants and fewer than 5 registrations in 2023 (suppressed in public).
SUPPRESSED = "BU09350304"


def soup_of(response: Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def features(soup: BeautifulSoup, chart_id: str) -> list[dict[str, Any]]:
    script = soup.find("script", id=chart_id)
    assert script is not None, f"no chart {chart_id}"
    spec = json.loads(script.get_text())
    for dataset in spec["datasets"].values():
        if isinstance(dataset, dict) and dataset.get("type") == "FeatureCollection":
            return list(dataset["features"])
    raise AssertionError("no features")


def rows_of(soup: BeautifulSoup, table_class: str = "hotspots") -> dict[str, list[str]]:
    """Area code → the cells of its row."""
    table = soup.select_one(f"table.{table_class}")
    assert table is not None
    out = {}
    for row in table.select("tbody tr"):
        cells = [c.get_text(" ", strip=True) for c in row.find_all(["th", "td"])]
        out[cells[0].split()[-1]] = cells
    return out


def download(client: TestClient, query: str, fmt: str = "csv", table: str = "hotspots") -> pd.DataFrame:
    response = client.get(f"/hotspots?{query}&download={table}&format={fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        assert response.headers["content-type"].startswith("text/csv")
        return dutch_csv(response.content, dtype={"code": str})
    return pd.read_excel(io.BytesIO(response.content), dtype={"code": str})


def test_buurt_hotspots_of_registered_crime_2023(client: TestClient) -> None:
    response = client.get("/hotspots")
    assert response.status_code == 200
    soup = soup_of(response)
    assert len(soup.find_all("h1")) == 1
    for select_id, value in (("indicator", "misdrijven-totaal"), ("niveau", "buurt"), ("periode", "2023")):
        option = soup.select_one(f"select#hotspots-{select_id} option[selected]")
        assert option is not None and option["value"] == value
        assert soup.find("label", attrs={"for": f"hotspots-{select_id}"}) is not None
    rows = rows_of(soup)
    assert len(rows) == 44
    binnenstad = rows["BU09350000"]
    assert binnenstad[1] == "558,7" and binnenstad[2] != "–"  # value, empirical-Bayes smoothed
    assert binnenstad[3] != "–" and 0 < float(binnenstad[4].replace(",", ".")) <= 1  # z, two-sided p
    assert binnenstad[6] in hotspots.CATEGORY_COLOURS
    beatrixhaven = rows["BU09350500"]  # 15 inhabitants: left out of an analysis of rates
    assert beatrixhaven[6] == "niet geanalyseerd" and "niet-woongebied" in beatrixhaven[-1]
    gi = features(soup, "hotspots-gi")
    lisa = features(soup, "hotspots-lisa")
    assert len(gi) == len(lisa) == 44
    assert {f["properties"]["category"] for f in gi} <= set(hotspots.CATEGORY_COLOURS)
    assert {f["properties"]["category"] for f in lisa} <= {
        *hotspots.LISA_LABELS.values(),
        "geen significant patroon",
        "niet geanalyseerd",
    }
    maat = soup.select_one("select#hotspots-maat option[selected]")
    assert maat is not None and maat["value"] == "rate"
    text = soup.get_text(" ", strip=True)
    for phrase in (
        "39 gebieden geanalyseerd",
        "Maat: cijfer per inwoners.",
        "Niet geanalyseerd als niet-woongebied (minder dan 100 inwoners",
        "Bosscherveld, Belvédère, Lanakerveld, Beatrixhaven, Meerssenhoven",
        "9.999 permutaties met vaste startwaarde (seed) 12345",
        "De p-waarde is tweezijdig.",
        "geen onafhankelijke bevestiging van de hotspots",
        "Benjamini–Hochberg",
        "Smoothing: empirical Bayes",
        "minder dan 200 inwoners",
        "Geen eilanden",
        "De categorieën zijn berekend op alle registraties",
        "Te weinig perioden voor een analyse van opkomende hotspots: 1, minimaal 10 nodig.",
        "Aaneengesloten jaren met gepubliceerde cijfers op dit niveau: 2023.",
    ):
        assert phrase in text, phrase
    assert soup.select_one("a[href$='download=hotspots&format=csv']") is not None


def test_suppressed_count_and_its_neighbourhood_statistics_are_not_shown(
    client: TestClient, web_app: FastAPI
) -> None:
    # Rates: Lanakerveld (65 inhabitants) is left out as non-residential, its count is withheld.
    rows = rows_of(soup_of(client.get("/hotspots")))
    assert rows[SUPPRESSED][1] == "< 5" and rows[SUPPRESSED][6] == "niet geanalyseerd"
    # Counts: Lanakerveld is analysed, but nothing of its own is shown, not even its category.
    soup = soup_of(client.get("/hotspots?indicator=misdrijven-totaal&maat=count"))
    rows = rows_of(soup)
    hidden = rows[SUPPRESSED]
    assert hidden[1] == "< 5" and hidden[2:5] == ["–", "–", "–"]  # no smoothing of counts
    assert hidden[5] == hidden[6] == "afgeschermd"  # category and LISA cluster withheld
    assert "afgeschermd: minder dan 5 registraties" in hidden[-1]
    gi = {f["properties"]["code"]: f["properties"]["category"] for f in features(soup, "hotspots-gi")}
    lisa = {f["properties"]["code"]: f["properties"]["category"] for f in features(soup, "hotspots-lisa")}
    assert gi[SUPPRESSED] == lisa[SUPPRESSED] == "afgeschermd"
    frame = download(client, "indicator=misdrijven-totaal&maat=count")
    masked = set(frame.loc[frame["z"].isna(), "code"])
    assert SUPPRESSED in masked and 2 <= len(masked) < 10  # the area and its Queen neighbours
    own = frame[frame["code"] == SUPPRESSED]
    assert own[["waarde", "aantal", "gesmoothte_waarde", "z", "p", "p_fdr"]].isna().all(axis=None)
    assert (own["categorie"] == "afgeschermd").all() and (own["lisa_cluster"] == "afgeschermd").all()
    assert (own["afscherming"] == "< 5").all()
    neighbours = frame[frame["code"].isin(masked - {SUPPRESSED}) & frame["afscherming"].isna()]
    assert len(neighbours) and (neighbours["categorie"] != "afgeschermd").all()  # coarse: shown
    assert (frame.loc[frame["afscherming"].isna(), "categorie"] != "afgeschermd").all()
    snapshot: Snapshot = web_app.state.cache.get()
    raw = snapshot.values
    count = raw[(raw["area_code"] == SUPPRESSED) & (raw["indicator_id"] == "misdrijven-totaal")]["numerator"]
    assert 0 < float(count.iloc[0]) < 5  # the raw count exists, but not on the page:
    assert frame["aantal"].dropna().ge(5).all()
    for code in masked:
        assert "z en p niet getoond" in rows[code][-1]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_downloads(client: TestClient, fmt: str) -> None:
    frame = download(client, "indicator=misdrijven-totaal&periode=2023&niveau=buurt", fmt)
    assert len(frame) == 44
    assert {"code", "gebied", "waarde", "z", "p", "p_fdr", "categorie", "lisa_cluster", "opmerkingen"} <= set(
        frame.columns
    )
    binnenstad = frame[frame["code"] == "BU09350000"].iloc[0]
    # rounded as the page shows them (the indicator's decimals; z 2, p 3); csv-raw: full precision
    assert binnenstad["waarde"] == 558.7 and binnenstad["aantal"] == 1232
    for column, places in (("waarde", 1), ("gesmoothte_waarde", 1), ("z", 2), ("p", 3), ("p_fdr", 3)):
        values = frame[column].dropna()
        assert len(values) and (values == values.round(places)).all(), column
    query = "indicator=misdrijven-totaal&periode=2023&niveau=buurt"
    raw = client.get(f"/hotspots?{query}&download=hotspots&format=csv-raw")
    full = pd.read_csv(io.StringIO(raw.text), dtype={"code": str})
    assert full.loc[full["code"] == "BU09350000", "waarde"].iloc[0] == pytest.approx(1232 / 2205 * 1000)
    emerging = download(client, "indicator=misdrijven-totaal", fmt, "opkomend")
    assert emerging.empty and "categorie" in emerging.columns


def test_fewer_than_thirty_areas_show_the_refusal_instead_of_labels(client: TestClient) -> None:
    for level in ("wijk", "stadsdeel"):
        response = client.get(f"/hotspots?indicator=misdrijven-totaal&niveau={level}&periode=2023")
        assert response.status_code == 200
        soup = soup_of(response)
        notice = soup.select_one("#hotspots-geweigerd")
        assert notice is not None
        assert (
            "Te weinig gebieden: 7 gebieden, voor Gi* en LISA zijn er minstens 30 nodig." in notice.get_text()
        )
        assert soup.select_one("table.hotspots") is None
        assert (
            soup.find("script", id="hotspots-gi") is None and soup.find("script", id="hotspots-lisa") is None
        )
    english = soup_of(client.get("/hotspots?niveau=wijk&lang=en")).get_text(" ", strip=True)
    assert "Too few areas: 7 areas; Gi* and LISA need at least 30." in english
    empty = download(client, "indicator=misdrijven-totaal&niveau=wijk&lang=nl")  # back from English
    assert empty.empty and "categorie" in empty.columns


def test_gemeente_level(client: TestClient) -> None:
    response = client.get("/hotspots?niveau=gemeente&periode=2023")
    assert response.status_code == 200
    soup = soup_of(response)
    rows = rows_of(soup)
    assert len(rows) > 300 and "GM0935" in rows
    text = soup.get_text(" ", strip=True)
    assert (
        "alle gemeenten van Nederland" in text and "gekoppeld aan het gebied met het dichtstbijzijnde" in text
    )
    assert any(r[6].startswith(("hotspot", "coldspot")) for r in rows.values())  # significant gemeenten
    # Gemeente figures miss 2021: the run of equal steps is 2022–2024, too short.
    assert "2022, 2023, 2024" in text and "Te weinig perioden" in text


#: Indicators with values in enough areas (gemeente figures of 83651NED and 83648NED too).
WITH_VALUES = "winkeldiefstallen, geweldsmisdrijven, misdrijven-totaal"


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("indicator=bestaat-niet", 404, f"Kies een van: {WITH_VALUES}."),
        ("indicator=halt-verwijzingen", 404, f"Hotspots zijn te zoeken voor: {WITH_VALUES}."),
        ("niveau=land", 400, "Kies een van: buurt, wijk, stadsdeel, gemeente."),
        ("periode=2019", 404, "Beschikbare perioden: 2023."),
        ("periode=2023&download=onbekend", 404, "Beschikbaar: hotspots, opkomend."),
        ("maat=aantal", 400, "Kies een van: rate, count."),
    ],
)
def test_bad_parameters(client: TestClient, query: str, status: int, message: str) -> None:
    response = client.get(f"/hotspots?{query}")
    assert response.status_code == status
    assert message in soup_of(response).get_text(" ", strip=True)


def test_in_english(client: TestClient) -> None:
    text = soup_of(client.get("/hotspots?lang=en")).get_text(" ", strip=True)
    for phrase in ("How was this computed?", "no significant pattern", "Too few periods", "Smoothed"):
        assert phrase in text, phrase


class FixedCache:
    """A cache that serves one given snapshot (the warehouse URL stays the real one)."""

    def __init__(self, snapshot: Snapshot, url: str) -> None:
        self.snapshot = snapshot
        self.url = url

    def get(self) -> Snapshot:
        return self.snapshot

    def token(self) -> str:
        return self.snapshot.token


def test_emerging_hotspots_are_shown_when_the_series_is_long_enough(
    web_app: FastAPI, web_settings: Settings
) -> None:
    """Constructed buurt figures 2010–2023 (tests only) replace the public 2023 figures."""
    real: Snapshot = web_app.state.cache.get()
    codes = sorted(real.own_areas("buurt")["code"])
    constructed = new_hotspot_values(codes).assign(suppressed=False, disclosure="")
    public = real.public_values
    keep = ~((public["indicator_id"] == "misdrijven-totaal") & (public["level"] == "buurt"))
    snapshot = dataclasses.replace(real, public_values=pd.concat([public[keep], constructed]), memo={})
    app = create_app(web_settings, cache=FixedCache(snapshot, web_app.state.cache.url))  # type: ignore[arg-type]
    soup = soup_of(TestClient(app).get("/hotspots"))
    text = soup.get_text(" ", strip=True)
    assert "Perioden: 2010–2023 (14); 44 gebieden met een volledige reeks" in text
    emerging = features(soup, "hotspots-opkomend-kaart")
    category = {f["properties"]["code"]: f["properties"]["category"] for f in emerging}
    assert category[NEW_CENTRE] == "nieuwe hotspot"
    assert "Te weinig perioden" not in text
    part = hotspots.emerging_part(snapshot, hotspots.choose(snapshot, None, None, None))
    assert part.result is not None and part.periods[0] == "2010"


def test_api_withholds_the_suppressed_area_and_says_what_was_analysed(client: TestClient) -> None:
    body = client.get("/api/v1/hotspots?indicator=misdrijven-totaal&periode=2023&maat=count").json()
    assert body["measure"] == "count" and body["left_out"] == [] and body["analysed"] == 44
    assert "tweezijdig" in body["test"] and body["fdr"].startswith("Benjamini–Hochberg")
    assert "geen onafhankelijke bevestiging" in body["lisa_note"]
    items = {item["area_code"]: item for item in body["items"]}
    small = items[SUPPRESSED]
    assert small["suppressed"] and small["disclosure"] == "< 5"
    assert small["category"] == small["lisa_cluster"] == "afgeschermd"
    assert small["lisa_quadrant"] is None and small["z"] is small["p"] is small["value"] is None
    rates = client.get("/api/v1/hotspots?indicator=misdrijven-totaal&periode=2023").json()
    assert rates["measure"] == "rate" and {i["area_code"] for i in rates["left_out"]} >= {SUPPRESSED}
    assert all(i["reason"].startswith("niet-woongebied") for i in rates["left_out"])
    bad = client.get("/api/v1/hotspots?indicator=misdrijven-totaal&periode=2023&maat=aantal")
    assert bad.status_code == 400 and "maat" in bad.json()["detail"]
    refused = client.get("/api/v1/hotspots?indicator=misdrijven-totaal&periode=2023&niveau=wijk")
    assert refused.status_code == 409
    assert (
        refused.json()["detail"]
        == "Te weinig gebieden: 7 gebieden, voor Gi* en LISA zijn er minstens 30 nodig."
    )


def test_every_indicator_and_period_with_area_values_can_be_chosen(client: TestClient) -> None:
    """Enumerates every (indicator, level, period) with values in enough areas: the page offers
    each (indicator, level and period selects) and the API knows each period; the analysis runs
    (page and API share it) or is refused with the 30-areas rule. Every programme indicator
    without such values gets a 404 that says why, on the page and in the API."""
    assert client.get("/hotspots").status_code == 200
    snapshot = client.app.state.cache.get()  # type: ignore[attr-defined]
    found = hotspots.options(snapshot)
    combos = {(str(i), str(lvl)) for i, lvl in zip(found["indicator_id"], found["level"], strict=True)}
    assert {("misdrijven-totaal", "buurt"), ("geweldsmisdrijven", "gemeente")} <= combos
    for indicator_id, level in sorted(combos):
        periods = sorted(found[(found["indicator_id"] == indicator_id) & (found["level"] == level)]["period"])
        page = client.get(f"/hotspots?indicator={indicator_id}&niveau={level}")
        assert page.status_code == 200, (indicator_id, level)
        soup = soup_of(page)
        offered = [o["value"] for o in soup.select("#hotspots-periode option")]
        assert sorted(offered) == periods, (indicator_id, level)  # newest first on the page
        indicators = {o["value"] for o in soup.select("select[name=indicator] option")}
        assert indicators == set(found["indicator_id"])
        areas = int(found[(found["indicator_id"] == indicator_id) & (found["level"] == level)]["areas"].max())
        api = client.get(f"/api/v1/hotspots?indicator={indicator_id}&niveau={level}&periode={periods[-1]}")
        assert api.status_code == (200 if areas >= 30 else 409), (indicator_id, level, api.text)
        unknown = client.get(f"/api/v1/hotspots?indicator={indicator_id}&niveau={level}&periode=1999")
        assert unknown.status_code == 404
        assert f"Beschikbare perioden: {', '.join(periods)}." in unknown.json()["detail"]
    without = [i.id for i in snapshot.definitions.indicators() if i.id not in set(found["indicator_id"])]
    assert "halt-verwijzingen" in without
    for indicator_id in without:
        page = client.get(f"/hotspots?indicator={indicator_id}")
        assert page.status_code == 404
        why = gaps.missing_at({}, snapshot.definitions, indicator_id, "buurt")
        assert why.startswith(("De bron publiceert dit", "De gemeente heeft")), why
        assert why in soup_of(page).get_text(" ", strip=True), indicator_id
        api = client.get(f"/api/v1/hotspots?indicator={indicator_id}&niveau=buurt&periode=2023")
        detail = api.json()["detail"]  # Mariaberg's own survey figures: one buurt, listed
        assert api.status_code == 404
        assert f"Geen waarden op dit niveau. {why}" in detail or "Beschikbare perioden: " in detail


def test_a_level_the_source_does_not_publish_says_so(client: TestClient) -> None:
    """Geweldsmisdrijven: CBS 83648NED publishes per gemeente only (services.gaps)."""
    page = client.get("/hotspots?indicator=geweldsmisdrijven&niveau=buurt")
    assert page.status_code == 404
    assert "De bron publiceert dit niet per buurt." in soup_of(page).get_text(" ", strip=True)
    api = client.get("/api/v1/hotspots?indicator=geweldsmisdrijven&niveau=wijk&periode=2017")
    assert api.status_code == 404 and "De bron publiceert dit niet per wijk." in api.json()["detail"]


#: Technical names that the public sees only inside an expandable "Hoe berekend" part.
TECHNICAL = ("Gi*", "pseudo-p", "FDR", "Mann", "LISA", "Benjamini", "p-waarde", "Moran")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_plain_summary_on_top_and_the_method_behind_hoe_berekend(client: TestClient, lang: str) -> None:
    soup = soup_of(client.get(f"/hotspots?lang={lang}"))
    summary = soup.select_one("#hotspots-kort")
    assert summary is not None
    text = summary.get_text(" ", strip=True)
    high = "Buurten waar dit cijfer samen met de buren opvallend hoog" if lang == "nl" else "Neighbourhoods"
    assert high in text and "Binnenstad" in text
    assert soup.select_one("script#hotspots-gi") is not None  # the map stays on top
    how = soup.select_one("details#hoe-berekend")
    assert how is not None and how.select_one("table.hotspots") is not None
    assert how.select_one("dl.glossary-technical dt#woord-gi-ster") is not None
    assert soup.select_one("details#woorden dt#woord-hotspot") is not None
    for details in soup.select("details"):
        details.decompose()
    for script in soup.select("script"):
        script.decompose()
    open_text = soup.get_text(" ", strip=True)
    assert [word for word in TECHNICAL if word in open_text] == []


def test_a_hotspot_with_few_inhabitants_says_so() -> None:
    table = pd.DataFrame(
        {
            "gebied": ["Klein", "Groot"],
            "categorie": ["hotspot 95%", "coldspot 90%"],
            "opmerkingen": ["weinig inwoners (< 200)", None],
        }
    )
    summary = hotspots.plain_summary(table)
    assert summary["hot"] == [{"name": "Klein", "few": True}]
    assert summary["cold"] == [{"name": "Groot", "few": False}]


def test_a_missing_level_also_says_what_fills_it(client: TestClient) -> None:
    page = soup_of(client.get("/hotspots?indicator=geweldsmisdrijven&niveau=buurt")).get_text(" ", strip=True)
    assert (
        "De bron publiceert dit niet per buurt. Eigen cijfers per buurt kunnen erin met het invulsjabloon."
        in page
    )
    api = client.get("/api/v1/hotspots?indicator=geweldsmisdrijven&niveau=wijk&periode=2017").json()["detail"]
    assert "Eigen cijfers per wijk kunnen erin met het invulsjabloon." in api and "veiligstad" not in api
