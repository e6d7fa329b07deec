# SPDX-License-Identifier: EUPL-1.2
"""Dutch first, English second: the Dutch text is the key, ``translations/en/*.yaml`` hold English.

Each page family keeps its own file (``translations/en/<module>.yaml``), merged at start.
A text without a translation is shown in Dutch rather than failing.

Error messages and hints stay Dutch where they are raised (``VeiligstadError``: the CLI shows
them as they are) and are translated once, at the web edge, by :func:`message`. Their English
is in ``translations/en/errors.yaml``, keyed by the Dutch template with ``{name}`` where the
raise site fills in a value (``Onbekend gebied '{code}'.``); the value is carried over into the
English text as it is (a code, a period, a list of ids). A message made of several sentences
(a message and a hint joined, or a text from ``services.gaps``) is translated sentence by
sentence; a sentence without English stays Dutch.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
FOLDER = Path(__file__).parent / "translations"
#: The file (in each language's folder) with the error messages and hints.
MESSAGES = "errors.yaml"
#: ``{name}`` in a message template: a value filled in where the message is raised.
PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: Where one sentence of a message ends and the next may begin.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
#: Longer messages (a pasted URL, say) are shown as they are: matching stays cheap.
MAX_MESSAGE = 2000
#: Messages of more sentences are shown as they are: no message veiligstad raises has that many,
#: only one that repeats a visitor's value full of full stops (the lookup grew with the square of
#: the sentences: 1,300 took ~20 s of CPU for one 404 under ``?lang=en``).
MAX_SENTENCES = 24
#: Most sentences looked up as one text: the longest English text of a page (``catalogue``) has 5,
#: the longest error template 2 (``tests/web/test_i18n_errors.py`` checks this bound).
MAX_RUN = 6


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


@dataclass(frozen=True)
class Template:
    """One error text: its Dutch template, its translation and the pattern that finds it."""

    dutch: str
    translation: str
    pattern: re.Pattern[str]

    def fill(self, match: re.Match[str]) -> str:
        """The translation with the values of ``match`` put in."""
        return PLACEHOLDER.sub(lambda name: match[name[1]], self.translation)


def pattern_of(template: str) -> re.Pattern[str]:
    """The regular expression of a Dutch template: ``{name}`` stands for one or more characters
    within one sentence (a value never swallows the sentence after it).

    >>> pattern_of("Onbekend gebied '{code}'.").fullmatch("Onbekend gebied 'XX'.")["code"]
    'XX'
    """
    parts = PLACEHOLDER.split(template)  # literal, name, literal, name, …
    seen: set[str] = set()
    regex = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            regex.append(re.escape(part))
        elif part in seen:
            regex.append(f"(?P={part})")
        else:
            seen.add(part)
            regex.append(f"(?P<{part}>(?:(?![.!?]\\s).)+?)")
    return re.compile("".join(regex), re.DOTALL)


@functools.cache
def templates(lang: str) -> tuple[Template, ...]:
    """The error texts of ``lang``, most literal text first (the most specific wins)."""
    path = FOLDER / lang / MESSAGES
    if not path.exists():
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = [Template(str(k), str(v), pattern_of(str(k))) for k, v in data.items()]
    return tuple(sorted(found, key=lambda t: -len(PLACEHOLDER.sub("", t.dutch))))


def _sentence(text: str, lang: str) -> str | None:
    """One or more whole sentences of a message in ``lang``; None when there is no translation."""
    exact = catalogue(lang).get(text)
    if exact is not None:
        return exact
    for template in templates(lang):
        match = template.pattern.fullmatch(text)
        if match is not None:
            return template.fill(match)
    # texts of the engine and services (why a figure is missing, what fills it) that an
    # error repeats: translated where the pages translate them
    from veiligstad.reports import language

    if lang in language.LANGUAGES:
        english = language.label_in(text, lang)
        if english != text:
            return english
    return None


def translated(text: str, lang: str) -> tuple[str, tuple[str, ...]]:
    """An error message or hint in ``lang``, and the sentences left in Dutch.

    The message is split after each ``.``, ``!`` or ``?``; runs of sentences are looked up
    longest first (a whole message template wins over its parts), so the fewest characters
    stay Dutch.

    >>> translated("Onbekend gebied 'XX'. Zie `veiligstad areas` voor de gebiedscodes.", "en")[0]
    "Unknown area 'XX'. See `veiligstad areas` for the area codes."
    """
    stripped = text.strip()
    if lang == DEFAULT or not stripped or len(stripped) > MAX_MESSAGE:
        return text, ()
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(stripped)]
    ends = [m.start() for m in _SENTENCE_END.finditer(stripped)] + [len(stripped)]
    count = len(starts)
    if count > MAX_SENTENCES:
        return text, ()
    # best[i]: (characters left Dutch, parts, sentences left Dutch) for sentences i … end
    best: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = [(0, (), ())] * (count + 1)
    for i in reversed(range(count)):
        own = stripped[starts[i] : ends[i]]
        rest = best[i + 1]
        choice = (len(own) + rest[0], (own, *rest[1]), (own, *rest[2]))
        for j in range(min(count, i + MAX_RUN), i, -1):  # longest first: on a tie the longer run wins
            english = _sentence(stripped[starts[i] : ends[j - 1]], lang)
            if english is None:
                continue
            candidate = (best[j][0], (english, *best[j][1]), best[j][2])
            if (candidate[0], len(candidate[1])) < (choice[0], len(choice[1])):
                choice = candidate
        best[i] = choice
    _, parts, dutch = best[0]
    if len(dutch) == count:  # nothing known: exactly as it came
        return text, dutch
    return " ".join(parts), dutch


def message(text: str, lang: str) -> str:
    """An error message or hint (Dutch, as raised) in ``lang``; Dutch where there is no English.

    >>> message("Onbekend niveau 'xx'.", "en"), message("Onbekend niveau 'xx'.", "nl")
    ("Unknown level 'xx'.", "Onbekend niveau 'xx'.")
    """
    return translated(text, lang)[0]
