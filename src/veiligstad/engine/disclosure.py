# SPDX-License-Identifier: EUPL-1.2
"""Disclosure control for public figures: small counts are shown as ``< 5``, never as rates.

A count of 1 to ``threshold - 1`` registrations in an area can point at a victim or a
suspect. On public pages and in the public API such a count is replaced by the text
``< threshold`` and nothing is derived from it: no rate, no interval, no difference with a
published value and no significance test. Zero is shown: it is published by CBS/Politie
too and identifies no one. Survey estimates are shown as their source published them
(CBS applies its own minimum number of respondents before publishing).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from veiligstad.domain.indicators import IndicatorKind

#: Default threshold: counts 1–4 are suppressed.
DEFAULT_THRESHOLD = 5

#: Columns that are withheld when a count is suppressed.
DERIVED = ("value", "numerator", "ci_low", "ci_high", "difference")


def suppressed(numerators: pd.Series, threshold: int) -> pd.Series:
    """Which counts are too small to publish: 0 < n < threshold.

    >>> suppressed(pd.Series([0.0, 1.0, 4.0, 5.0, np.nan]), 5).tolist()
    [False, True, True, False, False]
    """
    return (numerators > 0) & (numerators < threshold)


def label(threshold: int) -> str:
    """What is shown instead of a suppressed count: ``< 5``."""
    return f"< {threshold}"


def apply(values: pd.DataFrame, kinds: Mapping[str, IndicatorKind], threshold: int) -> pd.DataFrame:
    """The public version of an indicator-values frame.

    Adds ``suppressed`` (bool) and ``disclosure`` (``< 5`` or empty) and empties the
    derived columns of suppressed rows. Survey rows are left as published.

    >>> frame = pd.DataFrame({"indicator_id": ["a", "a"], "value": [2.0, 9.0],
    ...     "numerator": [2.0, 9.0], "ci_low": [0.2, 4.1], "ci_high": [7.2, 17.1]})
    >>> public = apply(frame, {"a": IndicatorKind.COUNT}, 5)
    >>> public["disclosure"].tolist(), public["value"].isna().tolist()
    (['< 5', ''], [True, False])
    """
    frame = values.copy()
    counted = frame["indicator_id"].map(lambda i: kinds.get(i) is not IndicatorKind.SURVEY)
    hide = counted & suppressed(frame["numerator"], threshold)
    for column in DERIVED:
        if column in frame.columns:
            frame[column] = frame[column].where(~hide, np.nan)
    if "reconciliation" in frame.columns:
        frame["reconciliation"] = frame["reconciliation"].where(~hide, "")
    frame["suppressed"] = hide
    frame["disclosure"] = np.where(hide, label(threshold), "")
    return frame
