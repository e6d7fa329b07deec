# SPDX-License-Identifier: EUPL-1.2
"""Indicator definitions: what is counted, divided by what, in which unit.

Definitions are data (YAML in the catalogue or in a programme file); these models are
their structural check. Semantic checks live in ``veiligstad.definitions.validation``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

IndicatorId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
MeasureId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+(:[A-Za-z0-9.\-]+)*$")]


class IndicatorKind(StrEnum):
    """How an indicator is computed."""

    RATE = "rate"  # sum of counts per N of a population (exact Poisson interval)
    COUNT = "count"  # sum of counts (exact Poisson interval)
    SURVEY = "survey"  # a published survey estimate, with its margin where known


class Direction(StrEnum):
    """Which way is better."""

    LOWER_IS_BETTER = "lager-is-beter"
    HIGHER_IS_BETTER = "hoger-is-beter"


class Indicator(BaseModel):
    """One indicator definition."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: IndicatorId
    name: str = Field(min_length=3, description="Dutch name as shown to people")
    name_en: str = Field(min_length=3)
    description: str = Field(min_length=10)
    kind: IndicatorKind
    unit: str = Field(min_length=1, description="Display unit, e.g. 'per 1.000 inwoners'")
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
    definition_source: str = Field(default="", description="Official definition it follows")
    notes: str = ""

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
