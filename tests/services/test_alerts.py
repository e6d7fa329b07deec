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
from veiligstad.services import alerts, monitor
from veiligstad.services.alerts import Alert, AlertContext
from veiligstad.services.areas import listing
from veiligstad.storage.warehouse import Warehouse


def test_maastricht_2023_2024_is_no_longer_an_alert(
    warehouse: Warehouse, definitions: Definitions, values: pd.DataFrame
) -> None:
    """+3,9% raised an alert at p = 0,014 under Poisson; with φ from Maastricht's other years
    (far above 1) there is none, corrected or not."""
    for fdr in (True, False):
        found = alerts.alerts(warehouse, definitions, dt.date(2022, 1, 1), values=values, fdr=fdr)
        pairs = {(a.indicator_id, a.area_code, a.before, a.after) for a in found}
        assert ("misdrijven-totaal", "GM0935", "2023", "2024") not in pairs
    context = AlertContext(warehouse, definitions, values, ["GM0935"], {}, None)
    tested = {(a.indicator_id, a.before, a.after): a for a in alerts.year_on_year(context)}
    latest = tested[("misdrijven-totaal", "2023", "2024")]
    assert latest.signal is Signal.NO_CHANGE and latest.p_value is not None and latest.p_value > 0.3
    assert latest.method.startswith("quasi-Poisson") and latest.phi.startswith("φ = ")


def crime_values(counts: dict[str, list[float]], first: int = 2015) -> pd.DataFrame:
    """Constructed yearly values of misdrijven-totaal (population 100,000 per area)."""
    rows = []
    for code, series in counts.items():
        for offset, count in enumerate(series):
            year = first + offset
            rows.append(
                {
                    "indicator_id": "misdrijven-totaal",
                    "area_code": code,
                    "period": str(year),
                    "year": year,
                    "value": count / 100,
                    "numerator": count,
                    "denominator": 100_000.0,
                    "ci_low": None,
                    "ci_high": None,
                    "provisional": False,
                    "level": "gemeente" if code.startswith("GM") else "wijk",
                    "territory_break": "",
                }
            )
    return pd.DataFrame(rows)


STEADY = [8000.0, 8050.0, 7950.0, 8020.0, 7980.0, 8010.0, 7990.0, 8030.0, 8000.0]


def test_since_filters_on_the_end_of_the_later_period_after_the_correction(
    warehouse: Warehouse, definitions: Definitions
) -> None:
    frame = crime_values({"GM0935": [*STEADY, 9500.0]})  # 2015-2024, +19% in 2024
    run: list[alerts.AlertProvider] = [alerts.year_on_year]
    everything = alerts.alerts(warehouse, definitions, None, providers=run, values=frame)
    assert [(a.before, a.after, a.signal) for a in everything] == [("2023", "2024", Signal.ROSE)]
    # its family: every change ending on 31 December 2024 (here one area, one comparison)
    assert everything[0].q_value is not None and everything[0].family == 1
    assert alerts.alerts(warehouse, definitions, dt.date(2025, 1, 1), providers=run, values=frame) == []
    last_day = alerts.alerts(warehouse, definitions, dt.date(2024, 12, 31), providers=run, values=frame)
    assert last_day == everything  # the family, and so q, does not depend on since


def test_a_change_into_a_boundary_break_raises_no_alert(
    warehouse: Warehouse, definitions: Definitions
) -> None:
    frame = crime_values({"GM0935": [*STEADY, 9500.0]})
    frame.loc[frame["year"] == 2024, "territory_break"] = "herindeling per 1 januari 2024"
    assert alerts.alerts(warehouse, definitions, None, providers=[alerts.year_on_year], values=frame) == []


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


def test_compstat_changes_are_tested_with_the_yearly_phi(monthly_url: str, definitions: Definitions) -> None:  # noqa: F811
    with Warehouse.open(monthly_url) as warehouse:
        found = alerts.alerts(warehouse, definitions, dt.date(2025, 1, 1))
        # +15% over 12 months is within Maastricht's year-to-year variation: no alert any more
        assert [a for a in found if a.source.startswith("CompStat")] == []
        values = monitor.indicator_values(warehouse, definitions)
        tested = alerts.compstat_changes(context(warehouse, definitions, values, None))
    rolling = next(a for a in tested if a.source == "CompStat: 12-maanden" and a.area_code == "GM0935")
    assert (rolling.before, rolling.after) == ("2023-02 t/m 2024-01", "2024-02 t/m 2025-01")
    assert rolling.signal is Signal.NO_CHANGE and rolling.phi.startswith("φ = ")
    assert rolling.period_end == dt.date(2025, 1, 31) and rolling.unit == "aantal"


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


def test_false_discovery_rate_over_one_family() -> None:
    found = [change(0.01), change(0.04), change(0.03), change(0.20, Signal.NO_CHANGE)]
    kept = alerts.false_discovery(found)
    assert [a.p_value for a in kept] == [0.01]
    assert kept[0].q_value == pytest.approx(0.04) and kept[0].family == 4
    hotspot = replace(change(0.03), kind="nieuwe hotspot")
    assert alerts.false_discovery([hotspot, change(0.5, Signal.NO_CHANGE)]) == [hotspot]


def test_each_period_is_its_own_family() -> None:
    older = [replace(change(p), after="2023", period_end=dt.date(2023, 12, 31)) for p in (0.01, 0.02)]
    newer = [change(0.03), *[change(0.6, Signal.NO_CHANGE) for _ in range(5)]]
    kept = alerts.false_discovery([*older, *newer])
    assert [(a.after, a.family) for a in kept] == [("2023", 2), ("2023", 2)]  # 0,03 among six: q = 0,18
    assert [a.p_value for a in alerts.raw([*older, *newer])] == [0.01, 0.02, 0.03]


def test_correction_is_the_default_and_no_fdr_gives_the_raw_list(
    warehouse: Warehouse, definitions: Definitions
) -> None:
    steady = [*STEADY, 8010.0]
    # one large rise and one modest rise (p just under 0,05 alone) among five areas in 2024
    frame = crime_values(
        {
            "GM0935": [*STEADY, 9500.0],
            "WK093500": [*STEADY, 8000.0],
            "WK093501": steady,
            "WK093502": steady,
            "WK093503": [*STEADY[:-1], 8000.0, 8205.0],
        }
    )
    run: list[alerts.AlertProvider] = [alerts.year_on_year]
    corrected = alerts.alerts(warehouse, definitions, None, providers=run, values=frame)
    raw = alerts.alerts(warehouse, definitions, None, providers=run, values=frame, fdr=False)
    key = {(a.area_code, a.before, a.after) for a in raw}
    assert corrected and {(a.area_code, a.before, a.after) for a in corrected} <= key
    assert all(a.q_value is not None and a.p_value is not None for a in corrected)
    assert all(a.p_value <= a.q_value < 0.05 for a in corrected)  # type: ignore[operator]
    assert all(a.q_value is None and a.p_value is not None and a.p_value < 0.05 for a in raw)
    assert corrected[0].as_dict()["q_value"] == corrected[0].q_value
    assert corrected[0].as_dict()["family"] == corrected[0].family
