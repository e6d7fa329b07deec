# SPDX-License-Identifier: EUPL-1.2
"""Alerts: significant changes since a date, and the provider seam."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from tests.services.test_emerging import (
    NEW_CENTRE,
    NEW_CLUSTER,
    RISING_CENTRE,
    RISING_CLUSTER,
    buurten,
    new_hotspot_values,
    rising_values,
)
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


def context(
    warehouse: Warehouse, definitions: Definitions, frame: pd.DataFrame, since: dt.date | None
) -> AlertContext:
    areas = listing(warehouse, "GM0935")
    return AlertContext(
        warehouse=warehouse,
        definitions=definitions,
        values=frame,
        area_codes=[str(c) for c in areas["code"]],
        area_names={str(c): str(n or "") for c, n in zip(areas["code"], areas["name"], strict=True)},
        since=since,
    )


def test_no_hotspot_alerts_without_enough_periods(
    warehouse: Warehouse, definitions: Definitions, values: pd.DataFrame
) -> None:
    # Buurt figures exist for 2023 only, gemeente figures miss 2021: nothing to report, no error.
    assert alerts.emerging_hotspot_alerts(context(warehouse, definitions, values, None)) == []
    assert alerts.emerging_hotspot_alerts in alerts.PROVIDERS


def test_new_hotspot_alert(warehouse: Warehouse, definitions: Definitions) -> None:
    frame = new_hotspot_values(sorted(buurten(warehouse)[0]))
    found = alerts.emerging_hotspot_alerts(context(warehouse, definitions, frame, dt.date(2023, 1, 1)))
    assert found and {a.kind for a in found} == {"nieuwe hotspot"}
    assert {a.area_code for a in found} <= set(NEW_CLUSTER)
    first = next(a for a in found if a.area_code == NEW_CENTRE)
    assert (first.before, first.after, first.period_end) == ("2022", "2023", dt.date(2023, 12, 31))
    assert first.source == "opkomende hotspots per buurt, 2010–2023" and first.area_name == "Boschpoort"
    assert first.signal is Signal.ROSE and first.assessment == "ongunstig" and first.relative is None
    assert (first.before_value, first.after_value) == (100.0, 180.0)
    assert first.p_value is not None and first.p_value < 0.05
    later = context(warehouse, definitions, frame, dt.date(2024, 1, 1))
    assert alerts.emerging_hotspot_alerts(later) == []


def test_intensifying_hotspot_alert(warehouse: Warehouse, definitions: Definitions) -> None:
    frame = rising_values(sorted(buurten(warehouse)[0]))
    found = alerts.emerging_hotspot_alerts(context(warehouse, definitions, frame, None))
    assert {a.kind for a in found} == {"intensiverende hotspot"}
    assert RISING_CENTRE in {a.area_code for a in found} and {a.area_code for a in found} <= set(
        RISING_CLUSTER
    )


def change(p: float, signal: Signal = Signal.ROSE) -> Alert:
    return Alert(
        alerts.KIND_CHANGE, "jaar op jaar", "x", "X", "GM0935", "", "2023", "2024",
        dt.date(2024, 12, 31), signal, p, 1.0, 2.0, "aantal", 1.0, "ongunstig",
    )  # fmt: skip


def test_false_discovery_rate_over_one_run() -> None:
    found = [change(0.01), change(0.04), change(0.03), change(0.20, Signal.NO_CHANGE)]
    kept = alerts.false_discovery(found)
    assert [a.p_value for a in kept] == [0.01]
    assert kept[0].q_value == pytest.approx(0.04)
    hotspot = replace(change(0.03), kind="nieuwe hotspot")
    assert alerts.false_discovery([hotspot, change(0.5, Signal.NO_CHANGE)]) == [hotspot]


def test_fdr_option_keeps_a_subset(
    warehouse: Warehouse, definitions: Definitions, values: pd.DataFrame
) -> None:
    plain = alerts.alerts(warehouse, definitions, None, values=values)
    corrected = alerts.alerts(warehouse, definitions, None, values=values, fdr=True)
    key = {(a.indicator_id, a.area_code, a.before, a.after) for a in plain}
    assert corrected and {(a.indicator_id, a.area_code, a.before, a.after) for a in corrected} <= key
    assert all(a.q_value is not None and a.p_value is not None for a in corrected)
    assert all(a.p_value <= a.q_value < 0.05 for a in corrected)  # type: ignore[operator]
    assert all(a.q_value is None for a in plain)
    assert corrected[0].as_dict()["q_value"] == corrected[0].q_value
