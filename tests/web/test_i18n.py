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
