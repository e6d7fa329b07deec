# SPDX-License-Identifier: EUPL-1.2
"""Key figures of area profiles follow the disclosure rule of the indicators: a small count of
inhabitants is ``< 5`` and a count that would give it away by subtraction is ``afgeschermd``."""

from __future__ import annotations

import pandas as pd

from veiligstad.services import profiles

AREAS = pd.DataFrame(
    [
        ("G", "gemeente", "G", None, None),
        ("W", "wijk", "G", None, None),
        ("S", "stadsdeel", "G", None, None),
        ("B1", "buurt", "G", "W", "S"),
        ("B2", "buurt", "G", "W", "S"),
        ("B3", "buurt", "G", "W", "S"),
    ],
    columns=["code", "level", "gemeente_code", "wijk_code", "stadsdeel_code"],
)


def context(b1: float) -> pd.DataFrame:
    """Inhabitants in 2024: the buurten, the wijk and the gemeente (the stadsdeel has none)."""
    rows = [("B1", b1), ("B2", 40.0), ("B3", 900.0), ("W", 940.0 + b1), ("G", 940.0 + b1)]
    return pd.DataFrame(
        [("inwoners", code, 2024, value, "aantal") for code, value in rows],
        columns=["measure", "area_code", "year", "value", "unit"],
    )


def test_a_small_number_of_inhabitants_and_its_protection_are_withheld() -> None:
    found = context(3.0)
    withheld = profiles.withheld_context(found, AREAS, "G", 5)
    assert withheld == {("inwoners", "B1", 2024): "< 5", ("inwoners", "B2", 2024): "afgeschermd"}
    figures = profiles.key_figures(found, "B2", [], 5, withheld).set_index("meting")
    assert figures.loc["inwoners", "afscherming"] == "afgeschermd"
    assert figures["waarde"].isna()["inwoners"]
    # the stadsdeel shows the sum of its buurten: a published total, and it stays published
    stadsdeel = profiles.key_figures(found, "S", ["B1", "B2", "B3"], 5, withheld).set_index("meting")
    assert stadsdeel.loc["inwoners", "waarde"] == 943 and stadsdeel.loc["inwoners", "afscherming"] == ""


def test_nothing_is_withheld_without_small_counts() -> None:
    assert profiles.withheld_context(context(0.0), AREAS, "G", 5) == {}
    assert profiles.withheld_context(context(25.0), AREAS, "G", 5) == {}
