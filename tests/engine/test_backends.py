# SPDX-License-Identifier: EUPL-1.2
"""The engine gives the same figures on DuckDB and on PostgreSQL: every indicator value of the
embedded data, row for row (the engine's Ibis expressions run on the backend itself)."""

from __future__ import annotations

import pandas as pd

from veiligstad.definitions.validation import Definitions
from veiligstad.services import monitor
from veiligstad.storage.warehouse import OBSERVATION_SCHEMA, Warehouse


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="mergesort").reset_index(drop=True)


def test_current_observations_are_equal_row_for_row(loaded_url: str, postgres_loaded_url: str) -> None:
    keys = list(OBSERVATION_SCHEMA.names)
    frames = []
    for url in (loaded_url, postgres_loaded_url):
        with Warehouse.open(url) as warehouse:
            frames.append(_sorted(warehouse.current_observations().to_pandas(), keys))
    duck, postgres = frames
    assert len(duck) > 50_000
    pd.testing.assert_frame_equal(duck, postgres, check_exact=True)


def test_indicator_values_are_equal_row_for_row(
    values: pd.DataFrame, postgres_loaded_url: str, definitions: Definitions
) -> None:
    with Warehouse.open(postgres_loaded_url) as warehouse:
        postgres = monitor.indicator_values(warehouse, definitions)
    keys = ["indicator_id", "area_code", "year"]
    duck = _sorted(values, keys)
    postgres = _sorted(postgres, keys)
    assert len(duck) > 1_000 and duck["value"].notna().sum() > 1_000
    assert list(duck.columns) == list(postgres.columns)
    # values are sums and quotients of the same float64 figures in the same order of rows of a
    # group: equal to 1e-12 relative (the two engines may add in another order)
    pd.testing.assert_frame_equal(duck, postgres, check_exact=False, rtol=1e-12, atol=0.0)
