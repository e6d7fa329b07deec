# SPDX-License-Identifier: EUPL-1.2
"""English reports (``--lang en``): no Dutch left in the text, the charts or the PDF, and the
publieksversie in plain words (woordenlijst, everyday names, the 'weinig inwoners' note)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from tests.reports.conftest import AREA, pdf_text
from veiligstad.definitions.glossary import glossary
from veiligstad.reports import document, html, language, pdf, public
from veiligstad.reports.model import Paragraph, Report, ReportKind
from veiligstad.reports.view import cut
from veiligstad.services import reporting
from veiligstad.services.hotspots import DEFAULT_MIN_POPULATION
from veiligstad.services.reporting import hotspot_target

#: Dutch words and phrases an English report must not contain (whole words, case as written).
SENTINELS = (
    "inwoners",
    "geen brongegevens",
    "brongegevens",
    "Schaalscore",
    "gegevens",
    "Gemeente",
    "gemeente",
    "buurten",
    "verbeterd",
    "verslechterd",
    "significant gestegen",
    "significant gedaald",
    "te weinig",
    "Stand van",
    "Jaar",
    "Cijfer",
    "Voortgangsrapportage",
    "Publieksversie",
    "afgeschermd",
    "per jaar",
    "Indicatoren",
    "Oordeel",
    "Inhoud",
    "Figuur",
    "Bron",
    "Acties",
    "tot en met",
    "Kaart",
    "Lijngrafiek",
    "Hoe",
    "Waar",
    "Veelvoorkomende",
)

#: Chart titles that must not be Dutch in an English chart.
DUTCH_CHART_TITLES = ("jaar", "reeks", "waarde", "gebied", "categorie", "gepubliceerd", "berekend", "tot")


def dutch_in(text: str) -> list[str]:
    """The sentinels found in ``text`` as whole words."""
    return [word for word in SENTINELS if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]


def quoted_sources(inputs: reporting.Inputs) -> list[str]:
    """Source titles, attributions and licences: quoted as published (in Dutch), not translated."""
    texts = [s.title for s in inputs.snapshot.sources]
    for detail in inputs.details.values():
        texts += [str(detail.get("attribution", "")), str(detail.get("licence", ""))]
    return sorted({t for t in texts if t}, key=len, reverse=True)


def reading_text(report: Report, inputs: reporting.Inputs) -> str:
    """The report's text and alt texts, without the quoted source names (HTML, charts not drawn)."""
    images = {chart.id: html.Image("data:,", 1, 1) for chart in report.charts()}
    soup = BeautifulSoup(html.render(report, images), "html.parser")
    for element in soup(["style"]):
        element.decompose()
    text = " ".join([soup.get_text(" "), *(img["alt"] for img in soup.find_all("img"))])
    text = " ".join(text.split())
    for quoted in quoted_sources(inputs):
        text = text.replace(" ".join(quoted.split()), "")
    return text


@pytest.fixture(scope="module")
def english(inputs: reporting.Inputs) -> dict[ReportKind, Report]:
    """The four reports in English."""
    return {
        kind: document.build(kind, inputs, area=AREA if kind is ReportKind.AREA else None, lang="en")
        for kind in ReportKind
    }


@pytest.mark.parametrize("kind", list(ReportKind))
def test_an_english_report_has_no_dutch_text(
    english: dict[ReportKind, Report], inputs: reporting.Inputs, kind: ReportKind
) -> None:
    report = english[kind]
    assert report.lang == "en"
    text = reading_text(report, inputs)
    assert len(text) > 2000
    assert dutch_in(text) == [], dutch_in(text)
    # the same report in Dutch does have them: the sentinels are real
    dutch = document.build(kind, inputs, area=AREA if kind is ReportKind.AREA else None)
    assert len(dutch_in(reading_text(dutch, inputs))) >= 5


@pytest.mark.parametrize("kind", list(ReportKind))
def test_english_charts_have_english_titles_and_number_format(
    english: dict[ReportKind, Report], kind: ReportKind
) -> None:
    charts = english[kind].charts()
    assert charts
    for chart in charts:
        titles = re.findall(r'"title": "([^"]*)"', json.dumps(chart.spec, ensure_ascii=False))
        assert not set(titles) & set(DUTCH_CHART_TITLES), (chart.id, titles)
        assert not dutch_in(" ".join(titles)), (chart.id, titles)
        assert chart.spec["config"]["locale"]["number"]["decimal"] == "."


def test_english_numbers_and_dates(english: dict[ReportKind, Report], inputs: reporting.Inputs) -> None:
    text = reading_text(english[ReportKind.PROGRESS], inputs)
    assert re.search(r"\b\d+\.\d\b", text)  # 28.6, not 28,6
    assert not re.search(r"\b\d+,\d\b", text)
    assert "per 1,000 inhabitants" in text
    months = "|".join(language.EN_MONTHS)
    assert re.search(rf"computed on \d{{1,2}} ({months}) \d{{4}}", text)


def test_the_english_public_pdf_has_no_dutch(english: dict[ReportKind, Report], tmp_path: Path) -> None:
    report = english[ReportKind.PUBLIC]
    data = pdf.render(report)
    text, pages = pdf_text(data, tmp_path, "public-en")
    assert pages >= 3
    # the body from page 2 up to the sources chapter (which quotes the sources' Dutch titles)
    body = text.split("\f", 1)[1]
    body = body[: body.rfind("Where do the figures come from?")]
    body = " ".join(body.split())
    assert "Explanation of words" in body and "Burglaries, street robberies and hold-ups" in body
    assert dutch_in(body) == [], dutch_in(body)
    assert "Page 2 of" in text and "Pagina" not in text


def test_the_public_version_explains_its_words_in_both_languages(
    english: dict[ReportKind, Report], inputs: reporting.Inputs
) -> None:
    wanted = glossary().pick(*public.GLOSSARY_TERMS)
    assert not any(t.technical for t in wanted)  # no method words in the publieksversie
    dutch = document.build(ReportKind.PUBLIC, inputs)
    for report, lang in ((dutch, "nl"), (english[ReportKind.PUBLIC], "en")):
        words = next(s for s in report.sections if s.id == "woorden")
        (block,) = words.blocks
        assert [term for term, _ in block.items] == [t.text("term", lang) for t in wanted]
        text = reading_text(report, inputs)
        for jargon in ("Mann–Kendall", "Gi*", "pseudo-p", "FDR", "95%-interval", "95% interval"):
            assert jargon not in text
    # everyday names: the programme's HIC indicator is called what it counts
    text = reading_text(dutch, inputs)
    assert "Inbraken, straatroven en overvallen" in text
    assert "High Impact Crimes" not in text.replace("High Impact Crimes (HIC)", "")


def test_the_public_version_names_the_areas_with_few_inhabitants(inputs: reporting.Inputs) -> None:
    report = document.build(ReportKind.PUBLIC, inputs)
    section = next(s for s in report.sections if s.id == "buurten")
    notes = [
        b.text for b in section.blocks if isinstance(b, Paragraph) and b.text.startswith("Weinig inwoners:")
    ]
    view = cut(inputs, None, True)
    target = hotspot_target(view.snapshot, view.year)
    assert target is not None
    buurten = set(view.snapshot.own_areas("buurt")["code"])
    values = view.values
    small = values[
        (values["indicator_id"] == target[0])
        & (values["period"] == target[1])
        & values["area_code"].isin(buurten)
        & values["value"].notna()
        & (values["denominator"] < DEFAULT_MIN_POPULATION)
    ].sort_values("value", ascending=False)
    assert not small.empty  # the embedded data have buurten with hardly any inhabitants
    (note,) = notes
    for name in small["area_name"].head(5):
        assert name in note
    assert f"minder dan {DEFAULT_MIN_POPULATION} inwoners" in note


def test_the_few_inhabitants_note_is_built_from_the_figures() -> None:
    rows = pd.DataFrame(
        {
            "area_name": ["Beatrixhaven", "Mariaberg", "Lanakerveld"],
            "value": [4600.0, 34.0, None],
            "denominator": [10.0, 5005.0, 50.0],
        }
    )
    note = public.few_inhabitants(rows, 1)
    assert note is not None
    assert note.text.startswith("Weinig inwoners: Beatrixhaven (4.600,0) heeft minder dan 200 inwoners.")
    assert "Mariaberg" not in note.text and "Lanakerveld" not in note.text  # no figure: no note
    with language.using("en"):
        english = public.few_inhabitants(rows, 1)
    assert english is not None and english.text.startswith(
        "Few inhabitants: Beatrixhaven (4,600.0) has fewer than 200 inhabitants."
    )
    assert public.few_inhabitants(rows[rows["area_name"] == "Mariaberg"], 1) is None
