# SPDX-License-Identifier: EUPL-1.2
"""Qualitative sources: validation with Dutch fixes, storage, search by theme and area."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.documents import Confidentiality, Document, DocumentKind
from veiligstad.services import bootstrap
from veiligstad.services.documents import DocumentsError, add_documents, find_documents
from veiligstad.storage.documents import load_documents
from veiligstad.storage.warehouse import Warehouse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "documents"
DRUGS = "fenomeenonderzoek-drugs-2024"
TREND = "trendanalyse-woninginbraken-2023"
NOW = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def fresh(empty_url: str) -> Iterator[Warehouse]:
    with Warehouse.open(empty_url) as warehouse:
        bootstrap.initialise(warehouse)
        yield warehouse


def test_add_and_read_back(fresh: Warehouse, definitions: Definitions) -> None:
    path = FIXTURES / "documenten.yaml"
    report = add_documents(fresh, path, definitions.programme, user="analist", now=NOW)
    assert report.added == [DRUGS, TREND, "jaarrapport-2022"]
    stored = {d.id: d for d in load_documents(fresh)}
    drugs = stored["fenomeenonderzoek-drugs-2024"]
    assert drugs.date == dt.date(2024, 3, 31)
    assert drugs.kind is DocumentKind.FENOMEENONDERZOEK
    assert drugs.confidentiality is Confidentiality.VERTROUWELIJK
    assert drugs.areas == ["BU09350000"] and drugs.location.endswith(".pdf")
    assert stored["trendanalyse-woninginbraken-2023"].location.startswith("https://")
    again = add_documents(fresh, FIXTURES / "documenten.yaml", definitions.programme, now=NOW)
    assert again.added == [] and len(again.replaced) == 3
    assert len(load_documents(fresh)) == 3


def test_every_problem_is_reported_and_nothing_saved(fresh: Warehouse, definitions: Definitions) -> None:
    with pytest.raises(DocumentsError) as caught:
        add_documents(fresh, FIXTURES / "fouten.yaml", definitions.programme)
    rendered = [p.render() for p in caught.value.problems]
    text = "\n".join(rendered)
    assert "document 1 (Onderzoek met fouten): date: ongeldige datum '2024-02-30'" in text
    assert "JJJJ-MM-DD" in text
    assert "kind: ongeldige waarde 'studie'" in text and "fenomeenonderzoek" in text
    assert "document 2 (Zonder datum): date: verplicht veld ontbreekt" in text
    assert "samenvatting: onbekend veld" in text
    assert load_documents(fresh) == []


def test_unknown_theme_and_area_are_named_with_the_fix(
    fresh: Warehouse, definitions: Definitions, tmp_path: Path
) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(
        "title: Analyse\ndate: 2024-05-01\nauthor: X\nthemes: [drugs]\nareas: [bu99999999]\n",
        encoding="utf-8",
    )
    with pytest.raises(DocumentsError) as caught:
        add_documents(fresh, path, definitions.programme)
    codes = {p.code: p for p in caught.value.problems}
    assert "ondermijnende-criminaliteit" in codes["unknown-theme"].fix
    assert "'BU99999999'" in codes["unknown-area"].message


def test_search_by_theme_area_and_text(fresh: Warehouse, definitions: Definitions) -> None:
    add_documents(fresh, FIXTURES / "documenten.yaml", definitions.programme, now=NOW)

    def ids(**kwargs: object) -> list[str]:
        return [d.id for d in find_documents(fresh, **kwargs)]  # type: ignore[arg-type]

    assert ids() == [DRUGS, TREND, "jaarrapport-2022"]
    assert ids(theme="veelvoorkomende-criminaliteit-hic") == [TREND, "jaarrapport-2022"]
    # A gemeente query finds documents about its wijken and buurten too
    assert len(ids(area="GM0935")) == 3
    assert ids(area="WK093500") == ["fenomeenonderzoek-drugs-2024"]  # the buurt lies in this wijk
    assert ids(area="bu09350000") == ["fenomeenonderzoek-drugs-2024"]
    assert ids(area="WK093501") == ["trendanalyse-woninginbraken-2023"]
    assert ids(search="HANDHAVING") == ["fenomeenonderzoek-drugs-2024"]
    assert ids(confidentiality=Confidentiality.OPENBAAR) == ["trendanalyse-woninginbraken-2023"]


def test_document_needs_author_or_organisation() -> None:
    with pytest.raises(ValueError, match="auteur"):
        Document(title="Zonder maker", date=dt.date(2024, 1, 1))
    doc = Document(title="Met maker", date=dt.date(2024, 1, 1), author="A")
    assert doc.id == "met-maker-2024" and doc.confidentiality is Confidentiality.INTERN
