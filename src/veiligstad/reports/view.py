# SPDX-License-Identifier: EUPL-1.2
"""What one report looks at: the figures up to its year, public or not, and the programme.

Public reports (the website, the publieksversie) read the values after disclosure control:
a withheld count is ``< 5`` and nothing is derived from it. The programme status is
recomputed from exactly those values, so a report never shows a figure its own tables
do not.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.actions import Action
from veiligstad.domain.indicators import Indicator
from veiligstad.domain.programme import Programme
from veiligstad.errors import NotFound
from veiligstad.services import monitor
from veiligstad.services.reporting import Inputs
from veiligstad.services.snapshot import Snapshot


@dataclass(frozen=True)
class View:
    """The inputs of a report cut to its year and audience."""

    inputs: Inputs
    values: pd.DataFrame
    status: list[monitor.StatusRow]
    year: int
    public: bool
    lang: str = "nl"

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot the report is built from."""
        return self.inputs.snapshot

    @functools.cached_property
    def definitions(self) -> Definitions:
        """Programme and catalogue, with their texts in the report's language."""
        return self.inputs.snapshot.definitions.localized(self.lang)

    @property
    def programme(self) -> Programme:
        """The MJP, with its texts in the report's language."""
        return self.definitions.programme

    def indicator(self, indicator_id: str) -> Indicator | None:
        """One definition in force, in the report's language."""
        return self.definitions.indicator(indicator_id)

    @property
    def municipality(self) -> str:
        """Code of the programme's municipality."""
        return self.programme.municipality

    @property
    def city(self) -> str:
        """Name of the programme's municipality."""
        return self.programme.municipality_name

    @property
    def actions(self) -> tuple[Action, ...]:
        """The actions of the uitvoeringsprogramma up to the report's year."""
        return tuple(a for a in self.inputs.actions if a.year <= self.year)


def own_years(values: pd.DataFrame, municipality: str) -> list[int]:
    """Years with a computed or published yearly figure for the municipality."""
    own = values[
        (values["area_code"] == municipality)
        & values["period"].str.fullmatch(r"\d{4}")
        & (values["value"].notna() | values["published_value"].notna())
    ]
    return sorted({int(y) for y in own["year"]})


def latest_year(snapshot: Snapshot) -> int:
    """The newest year with a figure for the municipality: the default report year."""
    years = own_years(snapshot.values, snapshot.municipality)
    if not years:
        raise NotFound(
            "Er zijn nog geen cijfers voor de gemeente van het programma.",
            hint="Laad gegevens met `veiligstad init` of `veiligstad import`.",
        )
    return years[-1]


def check_year(snapshot: Snapshot, year: int) -> int:
    """``year`` when the municipality has figures up to it; NotFound names the years there are."""
    years = own_years(snapshot.values, snapshot.municipality)
    if not years or year < years[0] or year > years[-1]:
        span = f"{years[0]} tot en met {years[-1]}" if years else "geen"
        raise NotFound(f"Geen cijfers voor jaar {year}.", hint=f"Jaren met cijfers: {span}.")
    return year


def cut(inputs: Inputs, year: int | None, public: bool, lang: str = "nl") -> View:
    """The view of a report over the values up to ``year`` (default: the newest year), in ``lang``."""
    snapshot = inputs.snapshot
    chosen = latest_year(snapshot) if year is None else check_year(snapshot, year)
    frame = snapshot.frame(public)
    values = frame[frame["year"] <= chosen].reset_index(drop=True)
    if "disclosure" not in values.columns:  # the raw values: nothing is withheld
        values = values.assign(suppressed=False, disclosure="")
    key = ("report-status", chosen, public, lang)  # the same for every report of this cut
    status = snapshot.memo.get(key)
    if status is None:
        status = monitor.status(values, snapshot.definitions.localized(lang))
        snapshot.memo[key] = status
    return View(inputs=inputs, values=values, status=status, year=chosen, public=public, lang=lang)
