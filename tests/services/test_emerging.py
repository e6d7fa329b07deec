# SPDX-License-Identifier: EUPL-1.2
"""Emerging hotspots from an indicator-values frame: consecutive periods, refusal, categories.

The constructed series (tests only, never shown as real) live on the real boundaries of
Maastricht's 44 buurten, 2010–2023. Outside the planted clusters every buurt has the same
value every year (plus, for the rising cluster, a fixed seeded offset per buurt), so that
no earlier year is significant by chance and each category is exactly what was planted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from veiligstad.errors import DataError
from veiligstad.services import emerging
from veiligstad.spatial.emerging import TooFewSteps
from veiligstad.spatial.labels import TooFewAreas
from veiligstad.storage.warehouse import Warehouse

YEARS = [str(year) for year in range(2010, 2024)]
INDICATOR = "misdrijven-totaal"
#: Boschpoort and its Queen neighbours: high in the final year only.
NEW_CENTRE = "BU09350300"
NEW_CLUSTER = [
    "BU09350300",
    "BU09350004",
    "BU09350005",
    "BU09350302",
    "BU09350303",
    "BU09350404",
    "BU09350501",
]
#: Heer and its Queen neighbours: higher every year.
RISING_CENTRE = "BU09350602"
RISING_CLUSTER = ["BU09350602", "BU09350405", "BU09350600", "BU09350603", "BU09350604"]
SEED = 20240101


def buurten(warehouse: Warehouse) -> tuple[dict[str, str], dict[str, str]]:
    """Names and GeoJSON boundaries of Maastricht's buurten."""
    areas = warehouse.areas()
    rows = areas.filter((areas.level == "buurt") & (areas.gemeente_code == "GM0935"))
    frame = rows.select("code", "name", "geometry").to_pandas()
    names = dict(zip(frame["code"], frame["name"], strict=True))
    return names, dict(zip(frame["code"], frame["geometry"], strict=True))


def constructed(
    codes: list[str], planted: Callable[[str, int], float], offsets: bool = False
) -> pd.DataFrame:
    """A values frame: 100 everywhere, plus ``planted(code, step)``, plus fixed seeded offsets."""
    offset = dict(zip(codes, np.random.default_rng(SEED).normal(0.0, 2.0, len(codes)), strict=True))
    records = [
        {
            "indicator_id": INDICATOR,
            "area_code": code,
            "level": "buurt",
            "period": year,
            "year": int(year),
            "value": 100.0 + (offset[code] if offsets else 0.0) + planted(code, step),
            "provisional": False,
        }
        for step, year in enumerate(YEARS)
        for code in codes
    ]
    return pd.DataFrame(records)


def new_hotspot_values(codes: list[str]) -> pd.DataFrame:
    """A cluster that is 80 higher in the final year only."""
    last = len(YEARS) - 1
    return constructed(codes, lambda code, step: 80.0 if code in NEW_CLUSTER and step == last else 0.0)


def rising_values(codes: list[str]) -> pd.DataFrame:
    """A cluster that is 10 higher every year (10 … 140 above the rest)."""
    return constructed(codes, lambda code, step: 10.0 * (step + 1) if code in RISING_CLUSTER else 0.0, True)


def test_consecutive_periods() -> None:
    assert emerging.consecutive(["2010", "2011", "2012"]) == ["2010", "2011", "2012"]
    assert emerging.consecutive(["2019", "2020", "2022", "2023", "2024"]) == ["2022", "2023", "2024"]
    months = [f"2023-{m:02d}" for m in range(1, 13)] + ["2024-01"]
    assert emerging.consecutive([*months, "2022", "2023"]) == months  # the longer run wins
    assert emerging.consecutive(["2023-12", "2024-02"]) == ["2024-02"]
    assert emerging.consecutive([]) == []


def test_the_embedded_data_is_refused_in_plain_dutch(values: pd.DataFrame, warehouse: Warehouse) -> None:
    names, shapes = buurten(warehouse)
    assert emerging.steps(values, INDICATOR, "buurt", names) == ["2023"]
    with pytest.raises(TooFewSteps, match=r"Te weinig perioden .*: 1, minimaal 10 nodig"):
        emerging.analyse(values, INDICATOR, "buurt", names, shapes)
    gemeenten = values[values["level"] == "gemeente"]["area_code"].unique()
    # 2021 is missing for all gemeenten: the run of equal steps is 2022–2024.
    assert emerging.steps(values, INDICATOR, "gemeente", gemeenten) == ["2022", "2023", "2024"]


def test_new_hotspot(warehouse: Warehouse) -> None:
    names, shapes = buurten(warehouse)
    result = emerging.analyse(new_hotspot_values(sorted(names)), INDICATOR, "buurt", names, shapes)
    assert result.periods == tuple(YEARS) and result.analysed == 44
    frame = result.frame.set_index("area_code")
    assert frame.at[NEW_CENTRE, "category"] == "nieuwe hotspot"
    assert frame.at[NEW_CENTRE, "code"] == "new_hotspot" and frame.at[NEW_CENTRE, "hot_steps"] == 1
    assert frame.at[NEW_CENTRE, "value_before"] == 100.0 and frame.at[NEW_CENTRE, "value_last"] == 180.0
    hot = set(frame.index[frame["category"] == "nieuwe hotspot"])
    assert hot <= set(NEW_CLUSTER)
    assert not (frame["category"].str.endswith("hotspot") & ~frame.index.isin(NEW_CLUSTER)).any()


def test_intensifying_hotspot(warehouse: Warehouse) -> None:
    names, shapes = buurten(warehouse)
    result = emerging.analyse(rising_values(sorted(names)), INDICATOR, "buurt", names, shapes)
    frame = result.frame.set_index("area_code")
    rising = set(frame.index[frame["category"] == "intensiverende hotspot"])
    assert RISING_CENTRE in rising and rising <= set(RISING_CLUSTER)
    assert frame.at[RISING_CENTRE, "hot_steps"] == len(YEARS)


def test_incomplete_series_are_left_out(warehouse: Warehouse) -> None:
    names, shapes = buurten(warehouse)
    frame = new_hotspot_values(sorted(names))
    gap = (frame["area_code"] == "BU09350000") & (frame["period"] == "2015")
    result = emerging.analyse(frame[~gap], INDICATOR, "buurt", names, shapes)
    row = result.frame.set_index("area_code").loc["BU09350000"]
    assert row["category"] == "niet geanalyseerd" and row["reason"] == "geen volledige reeks 2010–2023"
    assert result.analysed == 43


def test_too_few_areas(warehouse: Warehouse) -> None:
    names, shapes = buurten(warehouse)
    two = {code: names[code] for code in sorted(names)[:2]}
    with pytest.raises(TooFewAreas, match=r"Te weinig gebieden met een volledige reeks.*minstens 30 nodig"):
        emerging.analyse(new_hotspot_values(sorted(two)), INDICATOR, "buurt", two, shapes)
    some = {code: names[code] for code in sorted(names)[:29]}  # Gi* needs 30 areas
    with pytest.raises(DataError, match=r"29 gebieden, voor opkomende hotspots zijn er minstens 30 nodig"):
        emerging.analyse(new_hotspot_values(sorted(some)), INDICATOR, "buurt", some, shapes)


def test_fdr_is_the_default_and_can_be_switched_off(warehouse: Warehouse) -> None:
    names, shapes = buurten(warehouse)
    values = rising_values(sorted(names))
    corrected = emerging.analyse(values, INDICATOR, "buurt", names, shapes)
    raw = emerging.analyse(values, INDICATOR, "buurt", names, shapes, fdr=False)
    assert corrected.fdr and not raw.fdr
    assert (raw.frame["hot_steps"] >= corrected.frame["hot_steps"]).all()
    assert (corrected.frame["p_fdr"] >= corrected.frame["p"]).all()
    # sign and p from the same test: hot steps have z > 0 in the final period
    final_hot = corrected.frame[corrected.frame["category"] == "intensiverende hotspot"]
    assert (final_hot["z"] > 0).all() and (final_hot["p"] <= 0.05).all()


def test_non_residential_areas_are_left_out_of_rates(warehouse: Warehouse) -> None:
    names, shapes = buurten(warehouse)
    values = new_hotspot_values(sorted(names)).assign(denominator=1000.0)
    values.loc[values["area_code"] == "BU09350500", "denominator"] = 15.0  # Beatrixhaven
    result = emerging.analyse(values, INDICATOR, "buurt", names, shapes)
    row = result.frame.set_index("area_code").loc["BU09350500"]
    assert row["category"] == emerging.NOT_ANALYSED
    assert row["reason"].startswith("niet-woongebied: minder dan 100 inwoners")
    assert result.analysed == 43
