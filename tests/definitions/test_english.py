# SPDX-License-Identifier: EUPL-1.2
"""English variants of the definitions: every public text has one, and ``localized`` uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from veiligstad import yamlfile
from veiligstad.definitions.loader import builtin_programme_path, load_catalogue, load_programme, parse
from veiligstad.definitions.validation import WARNING, Definitions, validate
from veiligstad.domain.programme import Programme


def builtin() -> Definitions:
    return Definitions(load_programme(), load_catalogue())


def test_every_public_text_of_the_builtin_definitions_has_an_english_variant() -> None:
    missing = [p.render() for p in validate(builtin()) if p.code == "missing-english"]
    assert missing == []


def english_counts(definitions: Definitions) -> dict[str, int]:
    """Texts with an English variant, by kind of field (the report's measurement)."""
    counts: dict[str, int] = {}
    prog = definitions.programme
    entries = [prog, *prog.themes, *prog.indicators]
    entries += [i.published for i in prog.indicators if i.published is not None]
    entries += definitions.indicators()
    for entry in entries:
        for field in entry.translatable():
            english = getattr(entry, f"{field}_en")
            if english:
                kind = f"{type(entry).__name__}.{field}"
                counts[kind] = counts.get(kind, 0) + (len(english) if isinstance(english, list) else 1)
    return counts


def test_the_builtin_definitions_have_english_for_every_field_kind() -> None:
    counts = english_counts(builtin())
    assert counts["Indicator.description"] == counts["Indicator.unit"] == counts["Indicator.source"] == 12
    assert counts["Theme.name"] == 6 and counts["Programme.notes"] == 2
    assert counts["PublishedSeries.unit"] == counts["PublishedSeries.source"] == 11


@pytest.mark.parametrize(
    ("path", "field", "location"),
    [
        (("themes", 2), "name_en", "themes[2] 'veelvoorkomende-criminaliteit-hic': name"),
        (("indicators", 3, "published"), "note_en", "indicators[3].published: note"),
        ((), "title_en", "title"),
    ],
)
def test_a_missing_english_text_is_reported_where_it_is(
    path: tuple[str | int, ...], field: str, location: str
) -> None:
    data = yamlfile.read(builtin_programme_path())
    node = data
    for part in path:
        node = node[part]
    del node[field]
    programme = parse(Programme, data, Path("programma.yaml"))
    found = [p for p in validate(Definitions(programme, load_catalogue())) if p.code == "missing-english"]
    assert [(p.location, p.severity) for p in found] == [(f"programma: {location}", WARNING)]
    assert f"{field}" in found[0].fix


def test_notes_need_one_english_note_per_dutch_note() -> None:
    data = yamlfile.read(builtin_programme_path())
    data["notes_en"] = data["notes_en"][:1]
    programme = parse(Programme, data, Path("programma.yaml"))
    found = [p for p in validate(Definitions(programme, load_catalogue())) if p.code == "missing-english"]
    assert [p.location for p in found] == ["programma: notes"]
    assert programme.localized("en").notes == programme.notes  # not half English


def test_localized_definitions_are_english_and_dutch_stays_the_same() -> None:
    definitions = builtin()
    english = definitions.localized("en")
    assert definitions.localized("nl") is definitions
    hic = english.indicator("schaalscore-hic")
    assert hic is not None
    assert hic.name == "High Impact Crime victimisation score"
    assert hic.unit == "per 1,000 inhabitants" and "inwoners" not in hic.description
    assert hic.public_name("en") == "Burglaries, street robberies and hold-ups"
    assert english.programme.title == "Maastricht Multi-year Safety Programme 2023-2026"
    assert english.programme.themes[2].name == "Common crime/HIC"
    halt = next(i for i in english.programme.indicators if i.id == "halt-verwijzingen")
    assert halt.published is not None and halt.published.unit == "per 1,000 young people aged 12-17"
    dutch = definitions.indicator("schaalscore-hic")
    assert dutch is not None and dutch.unit == "per 1.000 inwoners"
    assert dutch.public_name() == "Inbraken, straatroven en overvallen"
    assert dutch.text("name", "en") == hic.name
