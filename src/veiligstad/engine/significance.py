# SPDX-License-Identifier: EUPL-1.2
"""Is a change more than noise? Labels instead of bare percentage changes.

* Two counts with exposure (a rate now and then): the exact conditional test. Given the
  total k1 + k2, k2 is binomial with p = n2 / (n1 + n2) under "no change in rate".
* Two survey estimates with published 95% margins: a z-test on the difference, the
  standard errors taken from the margins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

ALPHA = 0.05
_Z95 = 1.959963984540054


class Signal(StrEnum):
    """The significance label shown wherever a change is shown."""

    ROSE = "significant gestegen"
    FELL = "significant gedaald"
    NO_CHANGE = "geen significante verandering"
    TOO_LITTLE = "te weinig gegevens"


@dataclass(frozen=True)
class Comparison:
    """A change with its label, p-value and why the label was given."""

    signal: Signal
    p_value: float | None
    method: str
    reason: str = ""


def compare_counts(k1: float, n1: float, k2: float, n2: float) -> Comparison:
    """Compare count k1 in exposure n1 (then) with k2 in n2 (now)."""
    method = "exact conditionele binomiaaltoets (Poisson met blootstelling)"
    values = (k1, n1, k2, n2)
    if any(v is None or not math.isfinite(v) for v in values):
        return Comparison(Signal.TOO_LITTLE, None, method, "teller of noemer ontbreekt")
    if n1 <= 0 or n2 <= 0:
        return Comparison(Signal.TOO_LITTLE, None, method, "noemer is nul")
    total = round(k1) + round(k2)
    if total == 0:
        return Comparison(Signal.TOO_LITTLE, None, method, "beide tellingen zijn nul")
    from scipy.stats import binomtest  # imported here: scipy.stats costs seconds at start-up

    p = binomtest(round(k2), total, n2 / (n1 + n2)).pvalue
    return Comparison(_label(p, k2 / n2 - k1 / n1), float(p), method)


def compare_estimates(
    v1: float,
    low1: float | None,
    high1: float | None,
    v2: float,
    low2: float | None,
    high2: float | None,
) -> Comparison:
    """Compare two survey estimates using their published 95% margins."""
    method = "z-toets op het verschil (standaardfout uit de gepubliceerde marges)"
    bounds = (low1, high1, low2, high2)
    if any(b is None or not math.isfinite(b) for b in bounds):
        return Comparison(Signal.TOO_LITTLE, None, method, "marges onbekend")
    assert low1 is not None and high1 is not None and low2 is not None and high2 is not None
    se = math.hypot((high1 - low1) / (2 * _Z95), (high2 - low2) / (2 * _Z95))
    if se == 0:
        return Comparison(Signal.TOO_LITTLE, None, method, "marges zijn nul")
    z = (v2 - v1) / se
    p = math.erfc(abs(z) / math.sqrt(2))
    return Comparison(_label(p, v2 - v1), p, method)


def _label(p: float, difference: float) -> Signal:
    if p >= ALPHA:
        return Signal.NO_CHANGE
    return Signal.ROSE if difference > 0 else Signal.FELL
