# SPDX-License-Identifier: EUPL-1.2
"""Dutch first, English second: every text a template translates has an English version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from veiligstad.web import i18n
from veiligstad.web.templating import TEMPLATES

LITERAL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def test_every_template_text_has_an_english_translation() -> None:
    english = i18n.catalogue("en")
    texts = {
        (path.relative_to(TEMPLATES).as_posix(), match.group(1) or match.group(2))
        for path in Path(TEMPLATES).rglob("*.html")
        for match in LITERAL.finditer(path.read_text(encoding="utf-8"))
    }
    assert len(texts) > 500
    missing = sorted((where, text) for where, text in texts if text not in english)
    assert not missing, missing


def test_an_unknown_text_stays_dutch_and_dutch_is_the_default() -> None:
    assert i18n.translate("Programma", "en") == "Programme"
    assert i18n.translate("Geen vertaling voor deze zin", "en") == "Geen vertaling voor deze zin"
    assert i18n.choose(None, None) == "nl" and i18n.choose("xx", "en") == "en"


#: Dutch definition texts (catalogue and programme) that an English page must not show.
DUTCH_DEFINITION_TEXTS = (
    "Geregistreerde woninginbraak, straatroof en overval",
    "Veelvoorkomende criminaliteit/HIC",
    "Meerjarenprogramma Veiligheid Maastricht",
    "indeling door veiligstad",
    "Politie, geregistreerde misdrijven",
    "Politiewet 2012, artikel 38b, eerste lid",
)


@pytest.mark.parametrize(
    ("path", "english"),
    [
        ("/indicatoren/schaalscore-hic", "Registered home burglary, street robbery and hold-ups"),
        ("/themas/veelvoorkomende-criminaliteit-hic", "Common crime/HIC"),
        ("/programma", "Maastricht Multi-year Safety Programme 2023-2026"),
        ("/methode", "Police Act 2012 (Politiewet), article 38b, first paragraph"),
    ],
)
def test_definition_texts_are_english_on_english_pages(client: TestClient, path: str, english: str) -> None:
    page = client.get(f"{path}?lang=en")
    assert page.status_code == 200
    text = " ".join(BeautifulSoup(page.text, "html.parser").get_text(" ").split())
    assert english in text
    shown = [dutch for dutch in DUTCH_DEFINITION_TEXTS if dutch in text]
    assert shown == [], shown
    dutch_page = BeautifulSoup(client.get(f"{path}?lang=nl").text, "html.parser").get_text(" ")
    assert english not in " ".join(dutch_page.split())


def test_report_download_buttons_give_a_report_in_the_page_language(client: TestClient) -> None:
    page = BeautifulSoup(client.get("/rapporten?lang=en").text, "html.parser")
    forms = page.select("form.report-form")
    assert len(forms) == 4
    assert all(form.select_one('input[name="lang"]')["value"] == "en" for form in forms)
    english = client.get("/rapporten/publieksversie.html?lang=en")
    assert english.status_code == 200
    soup = BeautifulSoup(english.text, "html.parser")
    assert soup.html is not None and soup.html["lang"] == "en"
    text = " ".join(soup.get_text(" ").split())
    assert "Explanation of words" in text and "Safety in Maastricht" in text
    assert "Uitleg van woorden" not in text and "per 1.000 inwoners" not in text
    dutch = BeautifulSoup(client.get("/rapporten/publieksversie.html?lang=nl").text, "html.parser")
    assert dutch.html is not None and dutch.html["lang"] == "nl"
    assert "Uitleg van woorden" in dutch.get_text(" ")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_public_pages_explain_their_words_and_keep_method_names_in_how_it_is_calculated(
    client: TestClient, lang: str
) -> None:
    from veiligstad.definitions.glossary import glossary

    hic = glossary().get("hic")
    page = BeautifulSoup(client.get(f"/indicatoren/schaalscore-hic?lang={lang}").text, "html.parser")
    words = page.select_one("details#woorden")
    assert words is not None and words.summary is not None
    terms = [dt.get_text(strip=True) for dt in words.select("dt")]
    assert hic.text("term", lang) in terms
    assert " ".join(hic.text("explanation", lang).split()) in " ".join(words.get_text(" ").split())
    plain = page.select_one("p.plain-name")
    assert plain is not None
    assert ("Inbraken, straatroven en overvallen" if lang == "nl" else "Burglaries, street robberies") in (
        plain.get_text()
    )
    # the test's name only inside an expandable 'Hoe berekend' part
    for details in page.select("details"):
        details.decompose()
    assert "Mann" not in page.get_text(" ")
    for path in ("/themas/veelvoorkomende-criminaliteit-hic", "/kaart", "/gebieden/BU09350201"):
        found = BeautifulSoup(client.get(f"{path}?lang={lang}").text, "html.parser")
        assert found.select_one("details#woorden dl dt") is not None, path
