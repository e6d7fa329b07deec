# SPDX-License-Identifier: EUPL-1.2
"""Where an area sits: the areas above it, the areas directly below it, and the area it is
compared with. Part of an area profile (``services.profiles``)."""

from __future__ import annotations

from typing import Any, NamedTuple

import pandas as pd

from veiligstad.domain.areas import NETHERLANDS, AreaLevel


class Link(NamedTuple):
    """An area to link to."""

    code: str
    name: str
    level: str


def name_of(row: Any) -> str:
    """An area's name; its code when it has none."""
    name = row.get("name") if isinstance(row, dict) else row["name"]
    return str(name) if isinstance(name, str) and name else str(row["code"])


def parents(areas: pd.DataFrame, area: dict[str, Any]) -> list[Link]:
    """The areas above this one, nearest first: wijk, stadsdeel, gemeente, Nederland."""
    level = area["level"]
    codes: list[str | None] = []
    if level == AreaLevel.BUURT:
        codes += [area.get("wijk_code"), area.get("stadsdeel_code")]
    if level in (AreaLevel.BUURT, AreaLevel.WIJK, AreaLevel.STADSDEEL):
        codes.append(area.get("gemeente_code"))
    if level != AreaLevel.LAND:
        codes.append(NETHERLANDS)
    wanted = [c for c in codes if isinstance(c, str)]
    found = {str(r["code"]): r for r in areas[areas["code"].isin(wanted)].to_dict(orient="records")}
    return [Link(c, name_of(found[c]), str(found[c]["level"])) for c in wanted if c in found]


def children(areas: pd.DataFrame, area: dict[str, Any]) -> dict[str, list[Link]]:
    """The areas directly below, by level: a gemeente's stadsdelen and wijken, a wijk's or
    stadsdeel's buurten. Nederland's gemeenten are not listed (too many to link)."""
    level, code = area["level"], area["code"]
    if level == AreaLevel.GEMEENTE:
        below = areas[(areas["gemeente_code"] == code) & areas["level"].isin(["stadsdeel", "wijk"])]
    elif level == AreaLevel.STADSDEEL:
        below = areas[(areas["stadsdeel_code"] == code) & (areas["level"] == "buurt")]
    elif level == AreaLevel.WIJK:
        below = areas[(areas["wijk_code"] == code) & (areas["level"] == "buurt")]
    else:
        return {}
    out: dict[str, list[Link]] = {}
    for row in below.sort_values("code").to_dict(orient="records"):
        out.setdefault(str(row["level"]), []).append(Link(str(row["code"]), name_of(row), str(row["level"])))
    return {lvl: out[lvl] for lvl in ("stadsdeel", "wijk", "buurt") if lvl in out}


def comparison_parent(area: dict[str, Any]) -> str | None:
    """The area an area is compared with: its gemeente, or Nederland for a gemeente."""
    if area["level"] == AreaLevel.LAND:
        return None
    if area["level"] == AreaLevel.GEMEENTE:
        return NETHERLANDS
    code = area.get("gemeente_code")
    return code if isinstance(code, str) else None


def buurten_of(areas: pd.DataFrame, area: dict[str, Any]) -> list[str]:
    """The buurten of an area above buurt level (for summing inhabitants)."""
    column = {"stadsdeel": "stadsdeel_code", "wijk": "wijk_code", "gemeente": "gemeente_code"}.get(
        str(area["level"])
    )
    if column is None:
        return []
    rows = areas[(areas[column] == area["code"]) & (areas["level"] == "buurt")]
    return [str(c) for c in rows["code"]]
