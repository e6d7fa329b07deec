# SPDX-License-Identifier: EUPL-1.2
"""Alerts: significant changes since a date, and the provider seam."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tests.services.test_trends import monthly_url  # noqa: F401  (fixture)
from veiligstad.definitions.validation import Definitions
from veiligstad.engine.significance import Signal
from veiligstad.services import alerts
from veiligstad.services.alerts import Alert, AlertContext
from veiligstad.services.areas import listing
from veiligstad.storage.warehouse import Warehouse


def test_year_on_year_since_a_date(
    warehouse: Warehouse, definitions: Definitions, values: pd.DataFrame
) -> None:
    found = alerts.alerts(warehouse, definitions, dt.date(2022, 1, 1), values=values)
    pairs = [(a.indicator_id, a.area_code, a.before, a.after) for a in found]
    assert pairs == [
        ("misdrijven-totaal", "GM0935", "2023", "2024"),
        ("misdrijven-totaal", "GM0935", "2020", "2022"),
    ]
    assert all(a.signal is Signal.ROSE and a.assessment == "ongunstig" for a in found)
    assert found[0].period_end == dt.date(2024, 12, 31)


def test_since_filters_on_the_end_of_the_later_period(
    warehouse: Warehouse, definitions: Definitions, values: pd.DataFrame
) -> None:
    assert alerts.alerts(warehouse, definitions, dt.date(2025, 1, 1), values=values) == []
    last_day = alerts.alerts(warehouse, definitions, dt.date(2024, 12, 31), values=values)
    assert [a.after for a in last_day] == ["2024"]
    everything = alerts.alerts(warehouse, definitions, None, values=values)
    assert len(everything) > len(last_day)
    assert all(a.signal in (Signal.ROSE, Signal.FELL) for a in everything)
    own = set(listing(warehouse, "GM0935")["code"])
    assert {a.area_code for a in everything} <= own  # only the programme's areas


def test_providers_are_pluggable(
    warehouse: Warehouse, definitions: Definitions, values: pd.DataFrame
) -> None:
    def hotspots(_: AlertContext) -> list[Alert]:
        return [
            Alert(
                "nieuwe hotspot",
                "hotspots",
                "x",
                "X",
                "BU09350000",
                "",
                "",
                "2024",
                dt.date(2024, 12, 31),
                Signal.ROSE,
                0.01,
                None,
                None,
                "",
                None,
                "ongunstig",
            )
        ]

    found = alerts.alerts(warehouse, definitions, dt.date(2024, 1, 1), providers=[hotspots], values=values)
    assert [a.kind for a in found] == ["nieuwe hotspot"]
    assert found[0].as_dict()["period_end"] == "2024-12-31"


def test_compstat_alerts_from_monthly_figures(monthly_url: str, definitions: Definitions) -> None:  # noqa: F811
    with Warehouse.open(monthly_url) as warehouse:
        found = alerts.alerts(warehouse, definitions, dt.date(2025, 1, 1))
    assert [(a.source, a.before, a.after) for a in found] == [
        ("CompStat: 12-maanden", "2023-02 t/m 2024-01", "2024-02 t/m 2025-01")
    ]
    assert found[0].period_end == dt.date(2025, 1, 31) and found[0].unit == "aantal"
