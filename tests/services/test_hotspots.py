# SPDX-License-Identifier: EUPL-1.2
"""Hotspots on the real 2023 buurt totals of Maastricht."""

from __future__ import annotations

import numpy as np
import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.errors import DataError, NotFound
from veiligstad.services import hotspots
from veiligstad.spatial import hotspots as spatial
from veiligstad.spatial.weights import queen_weights
from veiligstad.storage.warehouse import Warehouse

CATEGORIES = {
    spatial.NOT_SIGNIFICANT,
    *(f"{kind} {level}%" for kind in ("hotspot", "coldspot") for level in (99, 95, 90)),
}


def run(warehouse: Warehouse, definitions: Definitions, **options: object) -> hotspots.HotspotAnalysis:
    settings: dict[str, object] = {"municipality": "GM0935", "permutations": 99, **options}
    return hotspots.analyse(warehouse, definitions, "misdrijven-totaal", "2023", "buurt", **settings)  # type: ignore[arg-type]


def test_real_maastricht_buurten(warehouse: Warehouse, definitions: Definitions) -> None:
    result = run(warehouse, definitions)
    frame = result.frame
    assert len(frame) == 44
    assert list(frame.columns) == hotspots.COLUMNS
    assert set(frame["category"]) <= CATEGORIES
    assert frame[["value", "z", "p", "p_fdr", "smoothed_value"]].notna().all().all()
    assert set(frame["lisa_quadrant"]) <= {"HH", "LH", "LL", "HL"}
    assert ((frame["p"] > 0) & (frame["p"] <= 1)).all()
    assert (frame["p_fdr"] >= frame["p"]).all()
    assert result.smoothing == hotspots.SMOOTHING_EB
    assert result.islands == () and result.n_components == 1
    assert result.analysed == 44
    # The industrial buurten with few inhabitants are flagged and smoothed towards the mean.
    beatrixhaven = frame.set_index("area_code").loc["BU09350500"]
    assert beatrixhaven["denominator"] == 15
    assert "weinig inwoners (< 200)" in beatrixhaven["flags"]
    assert beatrixhaven["smoothed_value"] < beatrixhaven["value"]
    small = frame["denominator"] < 200
    assert frame.loc[small, "flags"].str.contains("weinig inwoners").all()
    assert (frame.loc[~small, "flags"] == "").all()


def test_same_seed_same_result_and_equals_the_pure_functions(
    warehouse: Warehouse, definitions: Definitions
) -> None:
    first = run(warehouse, definitions, seed=5)
    again = run(warehouse, definitions, seed=5)
    assert first.frame.equals(again.frame)
    areas = warehouse.areas()
    geometry = (
        areas.filter(areas.level == "buurt")
        .select("code", "geometry")
        .to_pandas()
        .set_index("code")["geometry"]
    )
    frame = first.frame
    w = queen_weights(geometry.loc[frame["area_code"]].tolist(), frame["area_code"].tolist()).w
    gi = spatial.gi_star(frame["smoothed_value"].to_numpy(), w, permutations=99, seed=5)
    np.testing.assert_array_equal(frame["z"].to_numpy(), gi.z)
    np.testing.assert_array_equal(frame["p"].to_numpy(), gi.p)


def test_without_smoothing_flags_remain(warehouse: Warehouse, definitions: Definitions) -> None:
    result = run(warehouse, definitions, smooth=False, min_population=100)
    assert result.smoothing == hotspots.SMOOTHING_NONE
    assert result.frame["smoothed_value"].isna().all()
    assert (result.frame["analysed_value"] == result.frame["value"]).all()
    flagged = result.frame[result.frame["flags"].str.contains("weinig inwoners")]
    assert sorted(flagged["area_code"]) == [
        "BU09350301",
        "BU09350303",
        "BU09350304",
        "BU09350500",
        "BU09350503",
    ]
    assert (flagged["flags"].str.contains("< 100")).all()


def test_errors(warehouse: Warehouse, definitions: Definitions) -> None:
    with pytest.raises(NotFound, match="Onbekende indicator"):
        hotspots.analyse(warehouse, definitions, "bestaat-niet", "2023")
    with pytest.raises(NotFound, match="Onbekend niveau"):
        hotspots.analyse(warehouse, definitions, "misdrijven-totaal", "2023", level="straat")
    with pytest.raises(NotFound) as missing:
        hotspots.analyse(warehouse, definitions, "misdrijven-totaal", "1990", "buurt", municipality="GM0935")
    assert "2023" in missing.value.hint
    with pytest.raises(DataError, match="99 permutaties"):
        run(warehouse, definitions, permutations=10)


def test_gemeenten_islands_are_attached_and_flagged(warehouse: Warehouse, definitions: Definitions) -> None:
    result = hotspots.analyse(
        warehouse, definitions, "misdrijven-totaal", "2023", "gemeente", permutations=99, seed=1
    )
    islands = {link.island for link in result.islands}
    assert islands == {"GM0060", "GM0088", "GM0093", "GM0096", "GM0448"}  # the Wadden islands
    frame = result.frame.set_index("area_code")
    assert frame.loc["GM0448", "flags"].startswith("eiland: gekoppeld aan ")
    assert set(frame["category"]) <= CATEGORIES | {hotspots.NOT_ANALYSED}
    not_analysed = frame[frame["category"] == hotspots.NOT_ANALYSED]
    assert not_analysed["flags"].str.contains("geen waarde|geen grens").all()
    assert result.analysed == len(frame) - len(not_analysed)


def test_masked_hides_the_suppressed_area_and_its_neighbours(
    loaded_url: str, definitions: Definitions
) -> None:
    memo: dict[object, object] = {}
    result = hotspots.cached(memo, loaded_url, definitions, "misdrijven-totaal", "2023", "buurt", "GM0935")
    assert (
        hotspots.cached(memo, loaded_url, definitions, "misdrijven-totaal", "2023", "buurt", "GM0935")
        is result
    )
    code = max(result.neighbours, key=lambda c: len(result.neighbours[c]))
    hidden, masked = hotspots.masked(result, {code, "BU99999999"})  # an unknown code is ignored
    assert hidden == {code}
    assert masked == {code, *result.neighbours[code]}
    assert len(masked) > 1
    assert hotspots.masked(result, set()) == (set(), set())
