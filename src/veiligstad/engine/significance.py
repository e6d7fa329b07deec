# SPDX-License-Identifier: EUPL-1.2
"""Is a change more than noise? Labels instead of bare percentage changes.

* Two counts with exposure (a rate now and then), :func:`compare_counts`. Registered crime
  varies far more than Poisson noise, so every caller passes the dispersion φ
  (:mod:`veiligstad.engine.dispersion`: variance = φ × mean, quasi-Poisson).

  - **φ > 1: quasi-Poisson score test.** Under "no change in rate", given the total
    K = k1 + k2, k2 has mean K·p with p = n2 / (n1 + n2) and, with extra-Poisson variation,
    variance φ·K·p·(1 − p). The score statistic z = (k2 − K·p) / √(φ·K·p·(1 − p)) is the
    Pearson statistic of the two-period log-linear model divided by φ (McCullagh & Nelder
    1989, *Generalized Linear Models*, 2nd ed., §9.2–9.3). It is chosen over a Wald test on
    the log rate ratio (variance φ(1/k1 + 1/k2)) because it is defined when a count is 0, and
    over a binomial test on counts divided by φ because that needs rounding. When φ is
    estimated from the series itself (n − 2 degrees of freedom) z is referred to Student's t
    with those degrees of freedom (the scaled statistic of an estimated φ), otherwise to the
    normal distribution. Calibration is proved by simulation in
    ``tests/engine/test_dispersion.py`` and ``benchmarks/overdispersion.py``: on
    negative-binomial series with φ = 7,5 about 5% of year-on-year changes without a real
    change are labelled significant (the Poisson test: about 65%).
  - **φ = 1: mid-p conditional binomial test.** k2 is binomial(K, p); the mid-p value
    (Lancaster 1961; Agresti 2013 §1.4.5) counts half the probability of the observed count
    and is not as conservative as the exact test for small counts. The exact test is kept as
    :func:`exact_binomial_p` for reference.
* An area against its parent or the country: funnel limits with overdispersion
  (:mod:`veiligstad.engine.funnel`, Spiegelhalter 2005).
* Two survey estimates with published 95% margins: a z-test on the difference, the
  standard errors taken from the margins (no change: these are not counts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from veiligstad.engine.dispersion import Dispersion, format_phi

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
    """A change with its label, p-value and why the label was given.

    Count comparisons also carry the dispersion ``phi`` that was used and where it came from
    (``phi_source``); funnel comparisons also the between-area variance ``tau2``.
    """

    signal: Signal
    p_value: float | None
    method: str
    reason: str = ""
    phi: float | None = None
    phi_source: str = ""
    tau2: float | None = None

    @property
    def phi_text(self) -> str:
        """``φ = 7,5 (eigen reeks 2010–2020, 11 jaar)``, or empty when no φ was used; funnel
        comparisons add τ, the between-area spread of the rate ratio (0,19 = 19%)."""
        if self.phi is None:
            return ""
        text = f"φ = {format_phi(self.phi)}"
        if self.tau2 is not None:
            text += f", τ = {math.sqrt(self.tau2):.2f}".replace(".", ",")
        return text + (f" ({self.phi_source})" if self.phi_source else "")


#: Method names (Dutch), as shown on pages, CLI and API.
METHOD_POISSON = "mid-p conditionele binomiaaltoets (Poisson met blootstelling, φ = 1)"
METHOD_QUASI = "quasi-Poisson-scoretoets (variantie = φ × gemiddelde)"


def compare_counts(k1: float, n1: float, k2: float, n2: float, dispersion: Dispersion) -> Comparison:
    """Compare count k1 in exposure n1 (then) with k2 in n2 (now), allowing for the dispersion.

    ``dispersion`` is required: :data:`veiligstad.engine.dispersion.POISSON` gives the
    Poisson test (φ = 1, mid-p); an estimate above 1 the quasi-Poisson score test.

    >>> from veiligstad.engine.dispersion import POISSON, Dispersion
    >>> round(compare_counts(1000, 1, 1080, 1, POISSON).p_value, 3)
    0.079
    >>> seven = Dispersion(7.5, "gepoold", "voorbeeld")
    >>> round(compare_counts(1000, 1, 1080, 1, seven).p_value, 2)
    0.52
    """
    phi = max(1.0, float(dispersion.phi))
    quasi = phi > 1.0
    method = METHOD_QUASI if quasi else METHOD_POISSON

    def too_little(reason: str) -> Comparison:
        return Comparison(Signal.TOO_LITTLE, None, method, reason, phi, dispersion.source)

    values = (k1, n1, k2, n2)
    if any(v is None or not math.isfinite(v) for v in values):
        return too_little("teller of noemer ontbreekt")
    if n1 <= 0 or n2 <= 0:
        return too_little("noemer is nul")
    total = round(k1) + round(k2)
    if total == 0:
        return too_little("beide tellingen zijn nul")
    share = n2 / (n1 + n2)
    if quasi:
        p = quasi_poisson_p(round(k2), total, share, phi, dispersion.df)
    else:
        p = mid_p(round(k2), total, share)
    return Comparison(_label(p, k2 / n2 - k1 / n1), p, method, phi=phi, phi_source=dispersion.source)


def mid_p(k: int, total: int, share: float) -> float:
    """Two-sided mid-p value of ``k`` successes in ``total`` binomial trials with probability
    ``share``: twice the smaller tail, each tail counting half the probability of ``k``.

    >>> round(mid_p(5, 10, 0.5), 6)
    1.0
    >>> round(mid_p(9, 10, 0.5), 4)
    0.0117
    """
    from scipy.stats import binom  # imported here: scipy.stats costs seconds at start-up

    half = 0.5 * float(binom.pmf(k, total, share))
    lower = float(binom.cdf(k - 1, total, share)) + half if k > 0 else half
    upper = float(binom.sf(k, total, share)) + half
    return min(1.0, 2.0 * min(lower, upper))


def exact_binomial_p(k: int, total: int, share: float) -> float:
    """The exact (conservative) conditional test used before φ was taken into account."""
    from scipy.stats import binomtest  # imported here: scipy.stats costs seconds at start-up

    return float(binomtest(k, total, share).pvalue)


def quasi_poisson_p(k: int, total: int, share: float, phi: float, df: int | None = None) -> float:
    """Two-sided p of the quasi-Poisson score statistic (see the module docstring); Student's
    t with ``df`` degrees of freedom when φ was estimated from them, else normal.

    >>> round(quasi_poisson_p(1080, 2080, 0.5, 1.0), 4)
    0.0794
    """
    variance = phi * total * share * (1.0 - share)
    if variance <= 0:
        return 1.0
    z = (k - total * share) / math.sqrt(variance)
    if df is None or df <= 0:
        return math.erfc(abs(z) / math.sqrt(2))
    from scipy.stats import t as student  # imported here: scipy.stats costs seconds at start-up

    return float(min(1.0, 2.0 * student.sf(abs(z), df)))


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
