# SPDX-License-Identifier: EUPL-1.2
"""Registered crime next to feelings of safety, per area: where do they diverge?

The two are never averaged into one index. For every area and every pair of consecutive
survey years where both a crime figure and a feeling-of-safety figure exist, the change in
each is judged on its own (quasi-Poisson count test with the crime series' dispersion φ,
see ``engine.dispersion``; survey margins) and the pair is marked when
they point in opposite directions: crime significantly down while people feel less safe,
or crime significantly up while people feel safer. Where the survey has no published
margins its direction is used but marked as not tested.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.indicators import Direction, Indicator
from veiligstad.engine.significance import Comparison, Signal
from veiligstad.engine.trends import Point, change_dispersion, compare_across
from veiligstad.engine.trends import compare_points as compare_points  # one pair, as the tests use it
from veiligstad.services.monitor import DispersionPool
from veiligstad.services.trends import points

#: Default pairs: registered crime (objective) × feeling of safety (subjective).
CRIME_INDICATORS = ("misdrijven-totaal", "schaalscore-hic")
FEELING_INDICATORS = ("onveilig-gevoel-buurt", "rapportcijfer-veiligheid-buurt")

CRIME_DOWN_FEELING_WORSE = "criminaliteit gedaald, veiligheidsgevoel verslechterd"
CRIME_UP_FEELING_BETTER = "criminaliteit gestegen, veiligheidsgevoel verbeterd"
NO_CONFLICT = "geen tegenstrijdigheid"
TOO_LITTLE = "te weinig gegevens"


@dataclass(frozen=True)
class Divergence:
    """One area, one pair of years: crime change and feeling change side by side."""

    area_code: str
    area_name: str
    crime: Indicator
    feeling: Indicator
    before: Point
    after: Point
    feeling_before: Point
    feeling_after: Point
    crime_comparison: Comparison
    feeling_comparison: Comparison
    feeling_tested: bool
    label: str

    @property
    def diverges(self) -> bool:
        """Whether crime and feeling point in opposite directions."""
        return self.label in (CRIME_DOWN_FEELING_WORSE, CRIME_UP_FEELING_BETTER)


def _feeling_direction(indicator: Indicator, comparison: Comparison, difference: float) -> tuple[int, bool]:
    """+1 = people feel safer, -1 = less safe, 0 = no change; and whether it was tested."""
    tested = comparison.signal is not Signal.TOO_LITTLE
    if tested:
        raw = {Signal.ROSE: 1, Signal.FELL: -1}.get(comparison.signal, 0)
    else:
        raw = (difference > 0) - (difference < 0)
    better = raw if indicator.direction is Direction.HIGHER_IS_BETTER else -raw
    return better, tested


def classify(crime: Comparison, feeling_better: int) -> str:
    """The divergence label from the crime signal and the feeling's direction.

    >>> from veiligstad.engine.significance import Comparison, Signal
    >>> classify(Comparison(Signal.FELL, 0.001, ""), -1)
    'criminaliteit gedaald, veiligheidsgevoel verslechterd'
    >>> classify(Comparison(Signal.NO_CHANGE, 0.4, ""), -1)
    'geen tegenstrijdigheid'
    """
    if crime.signal is Signal.TOO_LITTLE:
        return TOO_LITTLE
    if crime.signal is Signal.FELL and feeling_better < 0:
        return CRIME_DOWN_FEELING_WORSE
    if crime.signal is Signal.ROSE and feeling_better > 0:
        return CRIME_UP_FEELING_BETTER
    return NO_CONFLICT


def divergences(
    values: pd.DataFrame,
    definitions: Definitions,
    area_codes: list[str] | None = None,
    crime_ids: tuple[str, ...] = CRIME_INDICATORS,
    feeling_ids: tuple[str, ...] = FEELING_INDICATORS,
) -> list[Divergence]:
    """Every area × crime × feeling indicator × pair of consecutive survey years with both."""
    out = []
    pool = DispersionPool(values)
    known = values[values["value"].notna() & values["period"].str.fullmatch(r"\d{4}")]
    for feeling_id in feeling_ids:
        feeling = definitions.indicator(feeling_id)
        if feeling is None:
            continue
        felt = known[known["indicator_id"] == feeling_id]
        for area_code, area_rows in felt.groupby("area_code", sort=True):
            if area_codes is not None and area_code not in area_codes:
                continue
            feeling_points = [p for p in points(area_rows.sort_values("year")) if not p.provisional]
            name = str(area_rows["area_name"].iloc[0]) if "area_name" in area_rows else ""
            for crime_id in crime_ids:
                crime = definitions.indicator(crime_id)
                if crime is None:
                    continue
                crime_rows = known[(known["indicator_id"] == crime_id) & (known["area_code"] == area_code)]
                crime_points = points(crime_rows.sort_values("year"))
                by_year = {int(p.time): p for p in crime_points}
                for f1, f2 in itertools.pairwise(feeling_points):
                    c1, c2 = by_year.get(int(f1.time)), by_year.get(int(f2.time))
                    if c1 is None or c2 is None:
                        continue
                    dispersion = change_dispersion(
                        crime_points, c1, c2, pool.for_area(crime_id, str(area_code))
                    )
                    crime_cmp = compare_across(crime_points, c1, c2, False, dispersion)
                    feeling_cmp = compare_across(feeling_points, f1, f2, True, dispersion)
                    assert f1.value is not None and f2.value is not None
                    better, tested = _feeling_direction(feeling, feeling_cmp, f2.value - f1.value)
                    out.append(
                        Divergence(
                            area_code=str(area_code),
                            area_name=name,
                            crime=crime,
                            feeling=feeling,
                            before=c1,
                            after=c2,
                            feeling_before=f1,
                            feeling_after=f2,
                            crime_comparison=crime_cmp,
                            feeling_comparison=feeling_cmp,
                            feeling_tested=tested,
                            label=classify(crime_cmp, better),
                        )
                    )
    return out
