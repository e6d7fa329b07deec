# SPDX-License-Identifier: EUPL-1.2
"""Area look-ups: one area, or a municipality's areas with their parents."""

from __future__ import annotations

import pandas as pd

from veiligstad.domain.areas import Area, AreaLevel
from veiligstad.errors import NotFound
from veiligstad.storage.warehouse import Warehouse

_LEVEL_ORDER = {level.value: index for index, level in enumerate(AreaLevel)}


def find(warehouse: Warehouse, code: str) -> Area:
    """One area by code; NotFound names how to list the known ones."""
    areas = warehouse.areas()
    rows = areas.filter(areas.code == code).drop("geometry").to_pandas()
    if rows.empty:
        raise NotFound(f"Onbekend gebied '{code}'.", hint="Zie `veiligstad areas` voor de gebiedscodes.")
    row = rows.iloc[0]

    def text(field: str) -> str | None:
        value = row[field]
        return None if pd.isna(value) else str(value)

    return Area(
        code=str(row["code"]),
        name=text("name") or "",
        level=AreaLevel(row["level"]),
        gemeente_code=text("gemeente_code"),
        wijk_code=text("wijk_code"),
        stadsdeel_code=text("stadsdeel_code"),
        boundary_year=None if pd.isna(row["boundary_year"]) else int(row["boundary_year"]),
    )


def listing(warehouse: Warehouse, municipality: str, level: str | None = None) -> pd.DataFrame:
    """A municipality's areas (gemeente, stadsdelen, wijken, buurten) with parent codes."""
    find(warehouse, municipality)
    if level is not None and level not in _LEVEL_ORDER:
        raise NotFound(f"Onbekend niveau '{level}'.", hint=f"Kies uit: {', '.join(_LEVEL_ORDER)}.")
    areas = warehouse.areas()
    rows = areas.filter(areas.gemeente_code == municipality)
    if level is not None:
        rows = rows.filter(rows.level == level)
    frame = rows.mutate(has_geometry=rows.geometry.notnull()).drop("geometry").to_pandas()
    frame["order"] = frame["level"].map(_LEVEL_ORDER)
    frame = frame.sort_values(["order", "code"]).drop(columns="order").reset_index(drop=True)
    frame["boundary_year"] = frame["boundary_year"].astype("Int64")
    result: pd.DataFrame = frame.astype(object).where(frame.notna(), None)
    return result
