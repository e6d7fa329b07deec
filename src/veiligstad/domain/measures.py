# SPDX-License-Identifier: EUPL-1.2
"""The measures the warehouse knows: their id patterns, units and value rules.

Measure ids are the names observations are stored under (``inwoners``,
``misdrijven:1.1.1``, ``vm:weleens-onveilig-buurt:ondergrens``…). Every measure of the
indicator catalogue matches one of these patterns; an upload naming anything else is
refused with ``unknown-measure``. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum


class ValueRule(StrEnum):
    """What values of a measure can be."""

    COUNT = "aantal"  # whole numbers, at least 0
    PERCENTAGE = "percentage"  # 0 to 100
    SCORE = "rapportcijfer"  # 1 to 10
    NON_NEGATIVE = "niet-negatief"  # rates, areas, amounts: at least 0


@dataclass(frozen=True)
class MeasureSpec:
    """The unit and value rule of a family of measures."""

    family: str
    unit: str
    rule: ValueRule


@dataclass(frozen=True)
class ValueProblem:
    """Why a value is impossible for its measure: a stable code and a Dutch message."""

    code: str
    message: str
    fix: str


_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_COUNT = ValueRule.COUNT
_PCT = ValueRule.PERCENTAGE
_NONNEG = ValueRule.NON_NEGATIVE

#: (pattern, spec) in order; the first match wins.
_PATTERNS: tuple[tuple[re.Pattern[str], MeasureSpec], ...] = (
    (re.compile(r"^inwoners$"), MeasureSpec("inwoners", "aantal", _COUNT)),
    (re.compile(r"^inwoners-\d{1,3}-\d{1,3}$"), MeasureSpec("inwoners-<a>-<b>", "aantal", _COUNT)),
    (
        re.compile(r"^misdrijven:\d{1,2}\.\d{1,2}\.\d{1,2}$"),
        MeasureSpec("misdrijven:<code>", "aantal", _COUNT),
    ),
    (
        re.compile(r"^(?:misdrijven|opgehelderde-misdrijven|verdachten)-scm:[A-Z0-9]+$"),
        MeasureSpec("misdrijven-scm:<code>", "aantal", _COUNT),
    ),
    (
        re.compile(r"^cbs-misdrijven-per-1000-inwoners:[A-Z0-9]+$"),
        MeasureSpec("cbs-misdrijven-per-1000-inwoners:<code>", "per 1.000 inwoners", ValueRule.NON_NEGATIVE),
    ),
    (
        re.compile(rf"^vm:rapportcijfer-{_SLUG}(?::ondergrens|:bovengrens)?$"),
        MeasureSpec("vm:rapportcijfer-<onderwerp>", "score", ValueRule.SCORE),
    ),
    (
        re.compile(rf"^vm:{_SLUG}(?::ondergrens|:bovengrens)?$"),
        MeasureSpec("vm:<onderwerp>", "%", ValueRule.PERCENTAGE),
    ),
    (re.compile(rf"^kwb:(?:pct-{_SLUG}|{_SLUG}-pct)$"), MeasureSpec("kwb:pct-<onderwerp>", "%", _PCT)),
    (re.compile(r"^kwb:oppervlakte-km2$"), MeasureSpec("kwb:oppervlakte-km2", "km2", _NONNEG)),
    (re.compile(rf"^kwb:woz-{_SLUG}$"), MeasureSpec("kwb:woz-<onderwerp>", "x1000 euro", _NONNEG)),
    (re.compile(rf"^kwb:{_SLUG}$"), MeasureSpec("kwb:<onderwerp>", "aantal", _COUNT)),
    (re.compile(rf"^overlast:{_SLUG}$"), MeasureSpec("overlast:<soort>", "aantal", _COUNT)),
    (re.compile(rf"^halt:{_SLUG}$"), MeasureSpec("halt:<soort>", "aantal", _COUNT)),
    (re.compile(rf"^iva:{_SLUG}$"), MeasureSpec("iva:<categorie>", "aantal", _COUNT)),
)

#: How a user may spell a unit, mapped to the warehouse's spelling.
_UNIT_ALIASES = {
    "aantal": "aantal",
    "absoluut": "aantal",
    "count": "aantal",
    "%": "%",
    "procent": "%",
    "percentage": "%",
    "score": "score",
    "rapportcijfer": "score",
    "cijfer": "score",
    "per 1.000 inwoners": "per 1.000 inwoners",
    "per 1000 inwoners": "per 1.000 inwoners",
    "km2": "km2",
    "km²": "km2",
    "x1000 euro": "x1000 euro",
    "x 1.000 euro": "x1000 euro",
    "x 1000 euro": "x1000 euro",
}

EXAMPLES = (
    "inwoners, inwoners-12-17, misdrijven:0.0.0, misdrijven:1.1.1, vm:weleens-onveilig-buurt, kwb:woningen"
)


def lookup(measure: str) -> MeasureSpec | None:
    """The spec of a measure id, or None when no known pattern matches."""
    for pattern, spec in _PATTERNS:
        if pattern.match(measure):
            return spec
    return None


def normalise_unit(unit: str) -> str:
    """A unit in the warehouse's spelling (unknown spellings are returned trimmed, lower case)."""
    cleaned = " ".join(unit.strip().lower().split())
    return _UNIT_ALIASES.get(cleaned, cleaned)


def check_value(spec: MeasureSpec, value: float) -> ValueProblem | None:
    """Whether ``value`` is possible for a measure with ``spec``; None if it is."""
    if not math.isfinite(value):
        return ValueProblem("not-a-number", "De waarde is geen eindig getal.", "Vul een getal in.")
    if spec.rule is ValueRule.COUNT:
        if value < 0:
            return ValueProblem(
                "negative-count",
                "Een aantal kan niet negatief zijn.",
                "Controleer het teken; laat de cel leeg als het aantal niet bekend is.",
            )
        if value != int(value):
            return ValueProblem(
                "not-an-integer",
                "Een aantal moet een geheel getal zijn.",
                "Rond af of controleer of de kolom eenheid een ander soort cijfer bedoelt.",
            )
    elif spec.rule is ValueRule.PERCENTAGE:
        if not 0 <= value <= 100:
            return ValueProblem(
                "impossible-percentage",
                "Een percentage ligt tussen 0 en 100.",
                "Geef percentages als 0-100 (niet als fractie 0-1 en niet als aantal).",
            )
    elif spec.rule is ValueRule.SCORE:
        if not 1 <= value <= 10:
            return ValueProblem(
                "impossible-score",
                "Een rapportcijfer ligt tussen 1 en 10.",
                "Controleer de waarde en de maat.",
            )
    elif value < 0:
        return ValueProblem(
            "negative-value",
            "Deze maat kan niet negatief zijn.",
            "Controleer het teken van de waarde.",
        )
    return None
