# SPDX-License-Identifier: EUPL-1.2
"""Error messages in English under ``?lang=en``; raised, logged and shown by the CLI in Dutch.

Every error text a web request can show is read from the source (``error_texts``) and must have
English in ``translations/en/errors.yaml``, so a new message without English fails here.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web import error_texts
from tests.web.test_english_pages import MARKERS
from veiligstad.errors import VeiligstadError
from veiligstad.spatial import labels
from veiligstad.web import errors, i18n

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def composed_messages() -> list[str]:
    """Messages whose values the source reading cannot follow, as the code really writes them."""
    found = []
    for call in (
        lambda: labels.check_areas(7),
        lambda: labels.check_areas(7, "opkomende hotspots (Gi* per periode)"),
    ):
        with pytest.raises(VeiligstadError) as raised:
            call()
        found += [raised.value.message, raised.value.hint]
    return found


def runs(text: str) -> set[str]:
    """Every run of whole sentences of a text."""
    text = text.strip()
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    ends = [m.start() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    return {text[starts[i] : ends[j]] for i in range(len(starts)) for j in range(i, len(starts))}


@pytest.fixture(scope="module")
def sites() -> list[error_texts.Site]:
    return error_texts.sites()


def test_the_source_reading_finds_the_error_texts(sites: list[error_texts.Site]) -> None:
    """The check itself: the texts of the usual raise sites, the edge and composed messages are found."""
    samples = {sample for site in sites for sample in site.samples}
    assert len(sites) > 150
    assert "Onbekend gebied 'x1'." in samples  # services/areas.py
    assert "Deze pagina bestaat niet." in samples  # web/errors.py
    assert "Het verzoek is te groot. Stuur hoogstens x3 kB." in samples  # a module constant and a helper
    assert "Te veel mislukte pogingen. Probeer het over x2 minuten opnieuw." in samples  # a local conditional
    assert any(
        s.startswith("Geen waarden van 'x1' voor periode x2 op niveau x3. Geen waarden op dit niveau.")
        for s in samples
    )
    assert not any(site.where.startswith(("cli/", "web/publish.py")) for site in sites)


def test_every_error_text_has_english(sites: list[error_texts.Site]) -> None:
    """A sentence may stay untranslated only when it is nothing but values (``x5 x6``)."""
    missing = []
    for site in sites:
        for sample in site.samples:
            _, dutch = i18n.translated(sample, "en")
            missing += [(site.where, sentence) for sentence in dutch if not error_texts.only_tokens(sentence)]
    for text in composed_messages():
        _, dutch = i18n.translated(text, "en")
        missing += [("composed", sentence) for sentence in dutch]
    assert not missing, missing


def test_every_english_entry_is_used_and_fills_in_only_known_values(sites: list[error_texts.Site]) -> None:
    texts = {run for site in sites for sample in site.samples for run in runs(sample)}
    texts |= {run for text in composed_messages() for run in runs(text)}
    unused = [t.dutch for t in i18n.templates("en") if not any(t.pattern.fullmatch(text) for text in texts)]
    assert not unused, unused
    unknown = [
        t.dutch
        for t in i18n.templates("en")
        if not set(i18n.PLACEHOLDER.findall(t.translation)) <= set(i18n.PLACEHOLDER.findall(t.dutch))
    ]
    assert not unknown, unknown


def test_every_status_title_has_english() -> None:
    missing = [title for title in (*errors.TITLES.values(), "Fout") if title not in i18n.catalogue("en")]
    assert not missing, missing


def test_messages_are_translated_sentence_by_sentence_and_dutch_stays_as_raised() -> None:
    raised = "Onbekend gebied 'XX'. Zie `veiligstad areas` voor de gebiedscodes."
    assert i18n.message(raised, "nl") == raised
    assert i18n.message(raised, "en") == "Unknown area 'XX'. See `veiligstad areas` for the area codes."
    # a value is carried over as it is, and never swallows the sentence after it
    assert i18n.message("Kies uit: gemeente, wijk. Onbekend gebied 'a'.", "en") == (
        "Choose from: gemeente, wijk. Unknown area 'a'."
    )
    # a sentence without English stays Dutch; a text without any is returned untouched
    assert i18n.translated("Onbekend gebied 'XX'. Een zin zonder vertaling.", "en") == (
        "Unknown area 'XX'. Een zin zonder vertaling.",
        ("Een zin zonder vertaling.",),
    )
    validation = "query.niveau: Input should be 'land', 'gemeente' or 'buurt'"
    assert i18n.message(validation, "en") == validation
    # texts of services.gaps that a hotspot error repeats
    assert i18n.message("Geen waarden op dit niveau. De bron publiceert dit niet per wijk.", "en") == (
        "No values at this level. The source does not publish this per ward."
    )


#: Dutch words of the templates (and the marker words of the English-pages test) an English error never needs.
DUTCH_FRAGMENTS = sorted(
    {
        part.strip()
        for template in i18n.templates("en")
        for part in i18n.PLACEHOLDER.split(template.dutch)[::2]
        if len(part.strip(" '.:;,()")) >= 12
    }
)


def dutch_left(text: str) -> list[str]:
    """Dutch template fragments and marker words in a text (paths and commands are names: skipped)."""
    found = [fragment for fragment in DUTCH_FRAGMENTS if fragment in text]
    words = re.sub(r"`[^`]*`|/\S*", "", text)
    found += [m.group(0) for m in MARKERS.finditer(words)]
    return found


def page_texts(html: str) -> tuple[str, str, str]:
    """Title, detail and hint of an error page."""
    soup = BeautifulSoup(html, "html.parser")
    detail = soup.select_one("p.error")
    assert soup.h1 is not None and detail is not None
    hint = detail.find_next_sibling("p")
    hint_text = hint.get_text(" ", strip=True) if hint is not None and hint.a is None else ""
    return soup.h1.get_text(strip=True), detail.get_text(" ", strip=True), hint_text


#: Public pages that fail: (path, status, Dutch detail, Dutch hint, English detail).
PAGES = [
    (
        "/gebieden/XX123",
        404,
        "Onbekend gebied 'XX123'.",
        "Gebiedscodes zien eruit als GM0935, WK093500 of BU09350000; zie /gebieden.",
        "Unknown area 'XX123'.",
    ),
    (
        "/indicatoren/xyz-123",
        404,
        "Onbekende indicator 'xyz-123'.",
        "Kies een indicator op de pagina Indicatoren (/indicatoren).",
        "Unknown indicator 'xyz-123'.",
    ),
    (
        "/themas/xyz-123",
        404,
        "Onbekend thema 'xyz-123'.",
        "De thema's staan op de pagina Programma (/programma).",
        "Unknown theme 'xyz-123'.",
    ),
    (
        "/hotspots?niveau=provincie",
        400,
        "Onbekend niveau 'provincie'.",
        "Kies een van: ",
        "Unknown level 'provincie'.",
    ),
    (
        "/kaart?niveau=provincie",
        400,
        "Onbekend niveau 'provincie'.",
        "Kies een van: ",
        "Unknown level 'provincie'.",
    ),
    ("/xyz-123", 404, "Deze pagina bestaat niet.", "", "This page does not exist."),
]


@pytest.mark.parametrize(("path", "status", "detail", "hint", "english"), PAGES)
def test_error_pages_in_english_and_dutch(
    web_app: FastAPI, path: str, status: int, detail: str, hint: str, english: str
) -> None:
    joiner = "&" if "?" in path else "?"
    dutch = TestClient(web_app).get(path)  # no language chosen: Dutch
    assert dutch.status_code == status
    title, shown, shown_hint = page_texts(dutch.text)
    assert shown == detail and shown_hint.startswith(hint)
    assert title in ("Niet gevonden", "Ongeldig verzoek")
    assert TestClient(web_app).get(f"{path}{joiner}lang=nl").text == dutch.text

    answer = TestClient(web_app).get(f"{path}{joiner}lang=en")
    assert answer.status_code == status
    assert '<html lang="en">' in answer.text
    title, shown, shown_hint = page_texts(answer.text)
    assert title in ("Not found", "Bad request")
    assert shown == english
    assert bool(shown_hint) == bool(hint)
    assert dutch_left(f"{shown} {shown_hint}") == []


#: API paths that fail: (path, status, Dutch detail, English detail).
API = [
    (
        "/api/v1/gebieden/XX",
        404,
        "Onbekend gebied 'XX'. Codes zijn bijvoorbeeld GM0935, WK093500, BU09350000.",
        "Unknown area 'XX'. Codes are for example GM0935, WK093500, BU09350000.",
    ),
    (
        "/api/v1/themas/xyz-123",
        404,
        "Onbekend thema 'xyz-123'. Bekende thema's: ",
        "Unknown theme 'xyz-123'. Known themes: ",
    ),
    (
        "/api/v1/indicatoren/xyz-123",
        404,
        "Onbekende indicator 'xyz-123'. Bekende indicatoren: ",
        "Unknown indicator 'xyz-123'. Known indicators: ",
    ),
    (
        "/api/v1/hotspots?indicator=geweldsmisdrijven&niveau=wijk&periode=2017",
        404,
        "Geen waarden van 'geweldsmisdrijven' voor periode 2017 op niveau wijk. Geen waarden op dit niveau. "
        "De bron publiceert dit niet per wijk.",
        "No values of 'geweldsmisdrijven' for period 2017 at level wijk. No values at this level. "
        "The source does not publish this per ward.",
    ),
    ("/api/v1/xyz-123", 404, "Deze pagina bestaat niet.", "This page does not exist."),
    (
        "/api/v1/hotspots?indicator=misdrijven-totaal&periode=2023&niveau=stadsdeel",
        409,
        "Te weinig gebieden: 7 gebieden, voor Gi* en LISA zijn er minstens 30 nodig.",
        "Too few areas: 7 areas; Gi* and LISA need at least 30.",
    ),
]
#: Status → title in Dutch and English.
TITLES = {
    404: ("Niet gevonden", "Not found"),
    409: ("Niet te berekenen met deze gegevens", "Cannot be computed with these data"),
}


def problem_of(client: TestClient, path: str, status: int) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(("path", "status", "detail", "english"), API)
def test_api_problems_in_english_and_dutch(
    web_app: FastAPI, path: str, status: int, detail: str, english: str
) -> None:
    joiner = "&" if "?" in path else "?"
    dutch = problem_of(TestClient(web_app), path, status)
    assert dutch["detail"].startswith(detail) and dutch["title"] == TITLES[status][0]
    assert problem_of(TestClient(web_app), f"{path}{joiner}lang=nl", status) == dutch

    answer = problem_of(TestClient(web_app), f"{path}{joiner}lang=en", status)
    assert answer["detail"].startswith(english) and answer["title"] == TITLES[status][1]
    assert {k: v for k, v in answer.items() if k not in ("detail", "title")} == {
        k: v for k, v in dutch.items() if k not in ("detail", "title")
    }
    assert dutch_left(answer["detail"]) == []


def test_the_language_cookie_also_chooses_the_language_of_a_problem(web_app: FastAPI) -> None:
    client = TestClient(web_app)
    client.get("/programma?lang=en")  # sets the language cookie
    assert problem_of(client, "/api/v1/gebieden/XX", 404)["detail"].startswith("Unknown area 'XX'.")


def test_a_validation_message_of_fastapi_stays_as_it_is(client: TestClient) -> None:
    dutch = problem_of(client, "/api/v1/gebieden?niveau=provincie", 400)
    english = problem_of(client, "/api/v1/gebieden?niveau=provincie&lang=en", 400)
    assert english["detail"] == dutch["detail"] and "Input should be" in english["detail"]
    assert english["title"] == "Bad request" and dutch["title"] == "Ongeldig verzoek"


def test_a_hostile_message_costs_little_to_translate(client: TestClient) -> None:
    """A visitor's value full of full stops makes a message of many sentences; every run of them
    was looked up, so 1,300 sentences took ~20 s of CPU for one 404 under ``?lang=en``."""
    known = [*i18n.catalogue("en"), *(t.dutch for t in i18n.templates("en"))]
    assert max(len(_SENTENCE_END.split(text.strip())) for text in known) <= i18n.MAX_RUN
    started = time.perf_counter()
    many = "Onbekend gebied '" + "a. " * 1300 + "'."
    assert i18n.message(many, "en") == many  # beyond MAX_SENTENCES: as it came
    longest = "Onbekend gebied '" + "a. " * (i18n.MAX_SENTENCES - 2) + "b'. Zie `veiligstad areas`."
    assert i18n.message(longest, "en").startswith("Onbekend gebied")  # the value broke the template
    one = "Geen waarden van '" + "x" * 1900 + "' voor periode 2023 op niveau buurt."
    i18n.message(one, "en")
    response = client.get("/gebieden/" + "a.%20" * 1300 + "?lang=en")
    assert response.status_code in {400, 404}
    assert time.perf_counter() - started < 5, time.perf_counter() - started
