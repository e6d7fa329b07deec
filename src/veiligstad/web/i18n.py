# SPDX-License-Identifier: EUPL-1.2
"""Dutch first, English second: the Dutch text is the key, ``translations/en/*.yaml`` hold English.

Each page family keeps its own file (``translations/en/<module>.yaml``), merged at start.
A text without a translation is shown in Dutch rather than failing.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
FOLDER = Path(__file__).parent / "translations"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """Dutch text → translation, for one language."""
    merged: dict[str, str] = {}
    for path in sorted((FOLDER / lang).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        merged.update({str(k): str(v) for k, v in data.items()})
    return merged


def translate(text: str, lang: str) -> str:
    """The text in ``lang``; Dutch when there is no translation."""
    if lang == DEFAULT:
        return text
    return catalogue(lang).get(text, text)


def choose(query: str | None, cookie: str | None) -> str:
    """The language: ``?lang=`` first, then the cookie, then Dutch."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT
