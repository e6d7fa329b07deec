# SPDX-License-Identifier: EUPL-1.2
"""Monthly figures rolled up into years, without ever adding a year to its own months.

A year is made from its months only when all 12 monthly rows exist; its value is known only
when all 12 values are (a withheld month leaves the year unknown, not smaller). A year that
is stored as such wins over the sum of its months. A year with a provisional month is
provisional.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from veiligstad.domain.periods import PeriodType

MONTHS_PER_YEAR = 12


def yearly(observations: ir.Table) -> ir.Table:
    """Stored yearly observations plus years summed from complete sets of months."""
    obs = observations
    columns = ["measure", "area_code", "period", "period_type", "year", "value", "status"]
    stored = obs.filter(obs.period_type == PeriodType.YEAR.value).select(*columns)
    monthly = obs.filter(obs.period_type == PeriodType.MONTH.value)
    summed = monthly.group_by(["measure", "area_code", "year"]).agg(
        months=monthly.count(),
        known=monthly.value.count(),
        total=monthly.value.sum(),
        provisional=(monthly.status == "voorlopig").any(),
    )
    summed = summed.filter(summed.months == MONTHS_PER_YEAR)
    rolled = summed.select(
        measure=summed.measure,
        area_code=summed.area_code,
        period=summed.year.cast("string"),
        period_type=ibis.literal(PeriodType.YEAR.value),
        year=summed.year.cast("int32"),
        value=(summed.known == MONTHS_PER_YEAR).ifelse(summed.total, ibis.null("float64")),
        status=summed.provisional.ifelse("voorlopig", "definitief"),
    )
    keys = stored.select("measure", "area_code", "year").view()
    rolled = rolled.view().anti_join(keys, ["measure", "area_code", "year"])
    return stored.mutate(year=stored.year.cast("int32"), value=stored.value.cast("float64")).union(rolled)
