# SPDX-License-Identifier: EUPL-1.2
"""The Methode page: programme, indicator definitions and methods, with the code's own numbers."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup, Tag
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.spreadsheet import dutch_csv
from veiligstad.engine import disclosure
from veiligstad.engine.significance import ALPHA, Signal
from veiligstad.engine.trends import MIN_POINTS
from veiligstad.services import hotspots as hotspot_service
from veiligstad.services import monitor
from veiligstad.settings import Settings
from veiligstad.spatial import emerging
from veiligstad.spatial import hotspots as spatial
from veiligstad.web import i18n, templating
from veiligstad.web.app import create_app
from veiligstad.web.pages import method

#: Every method the page must explain, by anchor.
METHOD_ANCHORS = (
    "significantie",
    "intervallen",
    "trend",
    "compstat",
    "hotspots",
    "opkomende-hotspots",
    "beleving",
    "afscherming",
    "gebieden",
    "reconciliatie",
)


@pytest.fixture(scope="module")
def page(web_app: FastAPI) -> BeautifulSoup:
    response = TestClient(web_app).get("/methode")
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def _section(soup: BeautifulSoup, anchor: str) -> Tag:
    found = soup.find(id=anchor)
    assert isinstance(found, Tag), anchor
    return found


def _text(soup: BeautifulSoup, anchor: str) -> str:
    return _section(soup, anchor).get_text(" ", strip=True)


def test_page_has_one_h1_and_every_method_anchor(page: BeautifulSoup) -> None:
    assert len(page.find_all("h1")) == 1
    for anchor in (*METHOD_ANCHORS, "programma", "indicatoren", "vaste-waarden"):
        _section(page, anchor)
        assert page.select_one(f'nav.toc a[href="#{anchor}"]') is not None, anchor


def test_programme_page_links_to_the_significance_section(client: TestClient, page: BeautifulSoup) -> None:
    programme = BeautifulSoup(client.get("/programma").text, "html.parser")
    assert programme.select_one('a[href="/methode#significantie"]') is not None
    assert _section(page, "significantie").name == "section"


def test_every_programme_indicator_has_its_section(page: BeautifulSoup, web_app: FastAPI) -> None:
    definitions = web_app.state.cache.get().definitions
    for item in definitions.programme.indicators:
        indicator = definitions.indicator(item.id)
        assert indicator is not None
        text = _text(page, f"indicator-{item.id}")
        assert indicator.name in text and indicator.unit in text and indicator.source in text
        for code in indicator.numerator + indicator.fallback_numerator:
            assert code in text, (item.id, code)
    for indicator in definitions.indicators():  # the rest of the catalogue too
        _section(page, f"indicator-{indicator.id}")


def test_indicator_details_fallback_tolerance_haaldelict_and_unit_mismatch(page: BeautifulSoup) -> None:
    total = _text(page, "indicator-misdrijven-totaal")
    assert "misdrijven-scm:T001161" in total and "CBS-code (SCM)" in total
    assert "binnen 1 jaar" in total  # denominator tolerance
    assert "contextindicator" in total
    assert "ja: een stijging kan ook betekenen" in _text(page, "indicator-winkeldiefstallen")
    halt = _text(page, "indicator-halt-verwijzingen")
    assert "wijkt af van de berekende eenheid" in halt
    assert "per 1.000 jongeren 12-17 jaar" in halt and "per 10.000 jongeren 12-17 jaar" in halt
    assert "wijkt af" not in _text(page, "indicator-schaalscore-hic")
    assert "7,1" in _text(page, "indicator-rapportcijfer-veiligheid-buurt")  # published 2019, Dutch format


def test_programme_section_shows_decision_and_the_vote_contradiction(page: BeautifulSoup) -> None:
    text = _text(page, "programma")
    assert "Politiewet 2012, artikel 38b" in text
    assert "31 januari 2023" in text and "2023–2026" in text and "2021" in text
    votes = {
        str(tr["data-side"]): tr.get_text(" ", strip=True) for tr in page.select("table.votes tr[data-side]")
    }
    assert votes["voor"].split() == ["voor", "29", "29", "31"]
    assert votes["tegen"].split() == ["tegen", "2", "2", "2"]
    assert "noemt eerst 29 stemmen voor en concludeert daarna '31 stemmen'" in text
    assert "Ondermijnende criminaliteit" in text and "aandachtspunt" in text


def _constants(page: BeautifulSoup) -> dict[str, str]:
    return {
        str(tr["data-constant"]): tr.select("td")[0].get_text(strip=True)
        for tr in page.select("table.constants tr[data-constant]")
    }


def test_constants_shown_equal_the_code(page: BeautifulSoup, web_app: FastAPI) -> None:
    shown = _constants(page)
    assert shown["permutations"] == templating.number(spatial.DEFAULT_PERMUTATIONS)
    assert shown["seed"] == str(spatial.DEFAULT_SEED)
    assert shown["min_points"] == str(MIN_POINTS)
    assert shown["alpha"] == templating.number(ALPHA, 2)
    assert shown["min_population"] == templating.number(hotspot_service.DEFAULT_MIN_POPULATION)
    assert shown["emerging_min_steps"] == str(emerging.MIN_STEPS)
    assert shown["emerging_permutations"] == templating.number(emerging.PERMUTATIONS)
    assert shown["emerging_seed"] == str(emerging.SEED)
    assert shown["threshold"] == str(web_app.state.cache.get().threshold)
    assert shown["default_threshold"] == str(disclosure.DEFAULT_THRESHOLD)
    # ... and the prose uses the same numbers.
    hotspots = _text(page, "hotspots")
    assert (
        f"{templating.number(spatial.DEFAULT_PERMUTATIONS)} permutaties" in hotspots
        and f"seed {spatial.DEFAULT_SEED}" in hotspots
    )
    assert [int(li["data-level"]) for li in page.select("#hotspots li[data-level]")] == [
        c for c, _ in spatial.LEVELS
    ]
    assert f"minstens {MIN_POINTS} meetpunten" in _text(page, "trend")
    assert f"minstens {emerging.MIN_STEPS} perioden" in _text(page, "opkomende-hotspots")
    assert f"kleiner is dan {round(ALPHA * 100)}%" in _text(page, "significantie")


def test_disclosure_section_uses_the_configured_threshold(web_settings: Settings) -> None:
    app = create_app(web_settings.model_copy(update={"disclosure_threshold": 7}))
    soup = BeautifulSoup(TestClient(app).get("/methode").text, "html.parser")
    text = _text(soup, "afscherming")
    assert "1 tot en met 6" in text and "'< 7'" in text
    assert _constants(soup)["threshold"] == "7"


def test_methods_list_every_label_of_the_code(page: BeautifulSoup) -> None:
    significance = _text(page, "significantie")
    assert all(signal.value in significance for signal in Signal)
    # 2 → 4: the mid-p test (φ = 1) gives p = 0,45 (the exact test gave 0,69)
    assert "van 2 naar 4" in significance and "geen significante verandering (p = 0,45)" in significance
    assert "in Maastricht waren er in 2023 7.840 misdrijven" in significance  # real figures
    # the real example with φ, and what Poisson (φ = 1) would have said
    poisson = "Zonder de extra schommeling (φ = 1) zou er staan: significant gestegen"
    assert "φ = " in significance and poisson in significance
    for meaning in (*method.SIGNAL_MEANINGS.values(), *method.AREA_MEANINGS.values()):
        assert meaning in significance
    for reference in ("McCullagh en Nelder 1989", "Spiegelhalter 2005", "Benjamini en Hochberg (1995)"):
        assert reference in significance
    assert "Krishnamoorthy en Thomson 2004" in significance and "--no-fdr" in significance
    categories = _text(page, "opkomende-hotspots")
    assert all(category.value in categories for category in emerging.Category)
    assert len(page.select("table.emerging tbody tr")) == 9  # 8 hot/cold pairs + no pattern
    reconciliation = _text(page, "reconciliatie")
    for label in (monitor.MATCH, monitor.DIFFERS, monitor.PUBLISHED_ONLY, monitor.COMPUTED_ONLY):
        assert label in reconciliation
    assert "Verwijzingen Halt" in reconciliation
    assert "criminaliteit gedaald, veiligheidsgevoel verslechterd" in _text(page, "beleving")
    intervals = {str(tr["data-count"]): tr.get_text(" ", strip=True) for tr in page.select("tr[data-count]")}
    assert intervals["10"] == "10 4,8 18,4"  # Garwood, as engine.intervals' doctest
    assert "Queen" in _text(page, "hotspots") and "eiland" in _text(page, "hotspots")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_indicator_and_constant_tables_download(client: TestClient, web_app: FastAPI, fmt: str) -> None:
    frames = {}
    for table in ("indicatoren", "vaste-waarden"):
        response = client.get(f"/methode?download={table}&format={fmt}")
        assert response.status_code == 200
        if fmt == "csv":
            frames[table] = dutch_csv(response.content)
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
            assert sheet is not None
            values = list(sheet.values)
            frames[table] = pd.DataFrame(values[1:], columns=values[0])
    definitions = web_app.state.cache.get().definitions
    indicators = frames["indicatoren"]
    assert set(indicators["indicator_id"]) == {i.id for i in definitions.indicators()}
    halt = indicators[indicators["indicator_id"] == "halt-verwijzingen"].iloc[0]
    assert int(halt["per"]) == 10000 and bool(halt["eenheid_wijkt_af"])
    constants = frames["vaste-waarden"].set_index("sleutel")["waarde"]
    assert int(constants["permutations"]) == spatial.DEFAULT_PERMUTATIONS
    assert float(constants["alpha"]) == ALPHA


def test_english_version(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/methode?lang=en").text, "html.parser")
    assert soup.h1 is not None and soup.h1.get_text(strip=True) == "Method"
    text = _text(soup, "significantie")
    assert "no significant change" in text and "(p = 0.45)" in text
    assert "Referrals to Halt" in _text(soup, "indicatoren")


#: ``_("…")`` calls in a template.
_CALL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def test_every_text_has_an_english_translation() -> None:
    texts = (
        path.read_text(encoding="utf-8") for path in (Path(templating.TEMPLATES) / "method").glob("*.html")
    )
    literal = {a or b for text in texts for a, b in _CALL.findall(text)}
    terms = method.hotspot_terms()
    dynamic = {
        *method.KIND_LABELS.values(),
        *method.DIRECTION_LABELS.values(),
        *method.MEASURE_FAMILIES.values(),
        *method.SIGNAL_MEANINGS.values(),
        *method.AREA_MEANINGS.values(),
        *method.RECONCILIATION_MEANINGS,
        *method.RECONCILIATION_MEANINGS.values(),
        *method.DIVERGENCE_MEANINGS,
        *method.DIVERGENCE_MEANINGS.values(),
        *method.CONSTANT_LABELS.values(),
        *method.COMPSTAT_TITLES.values(),
        *(category.value for category in emerging.Category),
        *(signal.value for signal in Signal),
        str(terms["explanation"]),
        str(terms["not_significant"]),
        str(terms["not_analysed"]),
        "voor",
        "tegen",
        "aangenomen",
        "verworpen",
    }
    english = i18n.catalogue("en")
    missing = sorted(t for t in literal | dynamic if t not in english)
    assert not missing, missing
