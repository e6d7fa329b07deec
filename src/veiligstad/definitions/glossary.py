# SPDX-License-Identifier: EUPL-1.2
"""The woordenlijst: short explanations of terms in plain Dutch (B1) and English.

Data, not code: ``data/glossary/terms.yaml``. The public pages explain a term where it is
first used and the publieksversie lists the words it uses; method words (Mann–Kendall, Gi*,
pseudo-p, FDR) are ``technical`` and only shown inside an expandable "Hoe berekend" part.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from veiligstad.definitions.loader import parse, read_yaml
from veiligstad.domain.indicators import Bilingual, IndicatorId


class Term(Bilingual):
    """One term with its explanation, in Dutch and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: IndicatorId
    term: str = Field(min_length=1)
    term_en: str = Field(min_length=1)
    explanation: str = Field(min_length=10, description="At most a few short sentences, taalniveau B1")
    explanation_en: str = Field(min_length=10)
    technical: bool = False


class Glossary(BaseModel):
    """All terms, in the order of the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[Term]

    def get(self, term_id: str) -> Term:
        """The term with this id; KeyError for an unknown id (a programming error)."""
        for term in self.terms:
            if term.id == term_id:
                return term
        raise KeyError(term_id)

    def pick(self, *term_ids: str) -> list[Term]:
        """These terms, in the given order."""
        return [self.get(term_id) for term_id in term_ids]


def builtin_glossary_path() -> Path:
    """The woordenlijst shipped with veiligstad."""
    return Path(str(resources.files("veiligstad") / "data" / "glossary" / "terms.yaml"))


@functools.cache
def glossary() -> Glossary:
    """The built-in woordenlijst (read once)."""
    path = builtin_glossary_path()
    return parse(Glossary, read_yaml(path), path)
