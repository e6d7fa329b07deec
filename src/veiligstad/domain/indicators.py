# SPDX-License-Identifier: EUPL-1.2
"""Indicator definitions: what is counted, divided by what, in which unit.

Definitions are data (YAML in the catalogue or in a programme file); these models are
their structural check. Semantic checks live in ``veiligstad.definitions.validation``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

IndicatorId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
MeasureId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+(:[A-Za-z0-9.\-]+)*$")]


#: Languages a definition can be shown in; Dutch is the language the files are written in.
LANGUAGES = ("nl", "en")


class Bilingual(BaseModel):
    """A definition with Dutch texts and their English variants in ``<field>_en``.

    >>> Theme = type("T", (Bilingual,), {"__annotations__": {"name": str, "name_en": str}})
    >>> theme = Theme(name="Overlast", name_en="Nuisance")
    >>> theme.text("name", "en"), theme.text("name", "nl"), theme.localized("en").name
    ('Nuisance', 'Overlast', 'Nuisance')
    """

    def translatable(self) -> tuple[str, ...]:
        """The Dutch fields that have an English variant field."""
        fields = type(self).model_fields
        return tuple(name for name in fields if f"{name}_en" in fields)

    def text(self, field: str, lang: str) -> str:
        """The field in ``lang``; the Dutch text where there is no English one."""
        dutch = getattr(self, field)
        if lang != "en":
            return str(dutch)
        return str(getattr(self, f"{field}_en", "") or dutch)

    def missing_english(self) -> list[str]:
        """Fields with a Dutch text but no English one."""
        missing = []
        for name in self.translatable():
            dutch, english = getattr(self, name), getattr(self, f"{name}_en")
            if isinstance(dutch, list):
                if len(english) != len(dutch) or not all(english):
                    missing.append(name)
            elif dutch and not english:
                missing.append(name)
        return missing

    def localized(self, lang: str) -> Self:
        """A copy with the English texts in the Dutch fields (itself for Dutch)."""
        if lang != "en":
            return self
        update = {}
        for name in self.translatable():
            english = getattr(self, f"{name}_en")
            if english and (not isinstance(english, list) or len(english) == len(getattr(self, name))):
                update[name] = english
        return self.model_copy(update=update)


class IndicatorKind(StrEnum):
    """How an indicator is computed."""

    RATE = "rate"  # sum of counts per N of a population (exact Poisson interval)
    COUNT = "count"  # sum of counts (exact Poisson interval)
    SURVEY = "survey"  # a published survey estimate, with its margin where known


class Direction(StrEnum):
    """Which way is better."""

    LOWER_IS_BETTER = "lager-is-beter"
    HIGHER_IS_BETTER = "hoger-is-beter"


class Indicator(Bilingual):
    """One indicator definition."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: IndicatorId
    name: str = Field(min_length=3, description="Dutch name as shown to people")
    name_en: str = Field(min_length=3)
    plain_name: str = Field(default="", description="Everyday name for the public (B1), where it differs")
    plain_name_en: str = ""
    description: str = Field(min_length=10)
    description_en: str = ""
    kind: IndicatorKind
    unit: str = Field(min_length=1, description="Display unit, e.g. 'per 1.000 inwoners'")
    unit_en: str = Field(default="", description="English unit, e.g. 'per 1,000 inhabitants'")
    direction: Direction
    haaldelict: bool = Field(default=False, description="A rise may reflect more enforcement, not more crime")
    numerator: list[MeasureId] = Field(
        min_length=1, description="Measures summed into the numerator (crime-type codes)"
    )
    fallback_numerator: list[MeasureId] = Field(
        default_factory=list,
        description="Used where the numerator has no complete data (another source)",
    )
    denominator: MeasureId | None = Field(default=None, description="Population measure")
    per: int | None = Field(default=None, description="Rate multiplier: 1000 or 10000")
    denominator_tolerance_years: int = Field(
        default=0,
        ge=0,
        le=1,
        description="Use the nearest population within this many years; marks approximate",
    )
    margin_lower: MeasureId | None = Field(default=None, description="Survey: lower bound")
    margin_upper: MeasureId | None = Field(default=None, description="Survey: upper bound")
    decimals: int = Field(default=1, ge=0, le=3)
    source: str = Field(min_length=3, description="Where the figures come from")
    source_en: str = ""
    definition_source: str = Field(default="", description="Official definition it follows")
    definition_source_en: str = ""
    notes: str = ""
    notes_en: str = ""

    def public_name(self, lang: str = "nl") -> str:
        """The everyday name for the public (B1) in ``lang``; the name where there is none."""
        plain = self.text("plain_name", lang)
        return plain or self.text("name", lang)

    @property
    def all_measures(self) -> list[str]:
        """Every measure the indicator reads."""
        extra = [self.denominator, self.margin_lower, self.margin_upper]
        return [*self.numerator, *self.fallback_numerator, *[m for m in extra if m]]


class Catalogue(BaseModel):
    """The indicator catalogue: definitions shared by all municipalities."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicators: list[Indicator]

    def get(self, indicator_id: str) -> Indicator | None:
        """The definition with this id, or None."""
        return next((i for i in self.indicators if i.id == indicator_id), None)

    def localized(self, lang: str) -> Catalogue:
        """The catalogue with every definition in ``lang``."""
        if lang != "en":
            return self
        return self.model_copy(update={"indicators": [i.localized(lang) for i in self.indicators]})
