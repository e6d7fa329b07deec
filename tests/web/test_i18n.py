# SPDX-License-Identifier: EUPL-1.2
"""Dutch first, English second: every text a template translates has an English version."""

from __future__ import annotations

import re
from pathlib import Path

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
