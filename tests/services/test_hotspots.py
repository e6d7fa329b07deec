# SPDX-License-Identifier: EUPL-1.2
"""Hotspots on the real 2023 buurt totals of Maastricht."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.errors import DataError, NotFound
from veiligstad.services import hotspots
from veiligstad.spatial import hotspots as spatial
from veiligstad.spatial.labels import TooFewAreas
from veiligstad.spatial.weights import queen_weights
from veiligstad.storage.warehouse import Warehouse

CATEGORIES = {
    spatial.NOT_SIGNIFICANT,
    *(f"{kind} {level}%" for kind in ("hotspot", "coldspot") for level in (99, 95, 90)),
}


def run(warehouse: Warehouse, definitions: Definitions, **options: object) -> hotspots.HotspotAnalysis:
    settings: dict[str, object] = {"municipality": "GM0935", "permutations": 99, "level": "buurt", **options}
    return hotspots.analyse(warehouse, definitions, "misdrijven-totaal", "2023", **settings)  # type: ignore[arg-type]


#: Buurten with fewer than 100 inhabitants: left out of an analysis of rates.
NON_RESIDENTIAL = ["BU09350301", "BU09350303", "BU09350304", "BU09350500", "BU09350503"]


def test_real_maastricht_buurten(warehouse: Warehouse, definitions: Definitions) -> None:
    result = run(warehouse, definitions)
    frame = result.frame
    assert len(frame) == 44
    assert list(frame.columns) == hotspots.COLUMNS
    assert result.measure is hotspots.Measure.RATE and result.fdr
    assert result.lisa_method == hotspots.LISA_RATE  # Assunção–Reis on rates
    # Non-residential buurten (Beatrixhaven: 20 inhabitants on 1 January 2023, 3,450 per 1,000) are left out.
    assert [code for code, _, _ in result.left_out] == NON_RESIDENTIAL
    analysed = frame[~frame["area_code"].isin(NON_RESIDENTIAL)]
    assert result.analysed == len(analysed) == 39
    assert set(analysed["category"]) <= CATEGORIES
    assert (frame.loc[frame["area_code"].isin(NON_RESIDENTIAL), "category"] == hotspots.NOT_ANALYSED).all()
    assert analysed[["value", "z", "p", "p_fdr", "smoothed_value"]].notna().all().all()
    assert set(analysed["lisa_quadrant"]) <= {"HH", "LH", "LL", "HL"}
    assert ((analysed["p"] > 0) & (analysed["p"] <= 1)).all()
    assert (analysed["p_fdr"] >= analysed["p"]).all()
    assert result.smoothing == hotspots.SMOOTHING_EB
    assert result.islands == () and result.n_components == 1
    beatrixhaven = frame.set_index("area_code").loc["BU09350500"]
    assert beatrixhaven["denominator"] == 20
    assert "weinig inwoners (< 200)" in beatrixhaven["flags"]
    assert "niet-woongebied: minder dan 100 inwoners" in beatrixhaven["flags"]
    small = frame["denominator"] < 200
    assert frame.loc[small, "flags"].str.contains("weinig inwoners").all()
    assert (frame.loc[~small, "flags"] == "").all()


def test_labels_agree_with_the_sign_of_the_same_test(warehouse: Warehouse, definitions: Definitions) -> None:
    found = {}
    for fdr in (True, False):
        result = run(warehouse, definitions, fdr=fdr)
        frame = result.frame
        hot = frame["category"].str.startswith("hotspot")
        cold = frame["category"].str.startswith("coldspot")
        assert (frame.loc[hot, "z"] > 0).all() and (frame.loc[cold, "z"] < 0).all()
        tested = frame["p_fdr"] if fdr else frame["p"]
        assert (tested[hot | cold] <= 0.10 + 1e-9).all()
        found[fdr] = int((hot | cold).sum())
    assert found[False] >= found[True]  # the correction only removes labels


def test_counts_keep_every_area(warehouse: Warehouse, definitions: Definitions) -> None:
    result = run(warehouse, definitions, measure="count")
    frame = result.frame
    assert result.measure is hotspots.Measure.COUNT and result.left_out == ()
    assert result.analysed == 44 and result.smoothing == hotspots.SMOOTHING_NONE
    assert (frame["analysed_value"] == frame["numerator"]).all()
    assert result.lisa_method == hotspots.LISA_PLAIN
    with pytest.raises(DataError, match="Maat 'aantal' past niet"):
        run(warehouse, definitions, measure="aantal")


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
    frame = first.frame[first.frame["category"] != hotspots.NOT_ANALYSED]
    w = queen_weights(geometry.loc[frame["area_code"]].tolist(), frame["area_code"].tolist()).w
    gi = spatial.gi_star(frame["smoothed_value"].to_numpy(), w, permutations=99, seed=5)
    np.testing.assert_array_equal(frame["z"].to_numpy(), gi.z)
    np.testing.assert_array_equal(frame["p"].to_numpy(), gi.p)
    assert list(frame["category"]) == spatial.categories(gi.z, gi.p)
    # the smoothed rates are the truncated empirical-Bayes rates of the analysed buurten
    smoothed = spatial.empirical_bayes(frame["numerator"], frame["denominator"], 1000)
    np.testing.assert_allclose(frame["smoothed_value"].to_numpy(), smoothed)


def test_without_smoothing_flags_remain(warehouse: Warehouse, definitions: Definitions) -> None:
    result = run(warehouse, definitions, smooth=False, min_population=100)
    assert result.smoothing == hotspots.SMOOTHING_NONE
    assert result.frame["smoothed_value"].isna().all()
    analysed = result.frame[result.frame["category"] != hotspots.NOT_ANALYSED]
    assert (analysed["analysed_value"] == analysed["value"]).all()
    flagged = result.frame[result.frame["flags"].str.contains("weinig inwoners")]
    assert sorted(flagged["area_code"]) == NON_RESIDENTIAL
    assert (flagged["flags"].str.contains("< 100")).all()


def test_fewer_than_thirty_areas_are_refused(warehouse: Warehouse, definitions: Definitions) -> None:
    for level in ("wijk", "stadsdeel"):
        with pytest.raises(TooFewAreas, match=r"Te weinig gebieden: 7 gebieden.*minstens 30 nodig"):
            run(warehouse, definitions, level=level)


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
    result = hotspots.cached(
        memo, loaded_url, definitions, "misdrijven-totaal", "2023", "buurt", "GM0935", measure="count"
    )
    assert (
        hotspots.cached(
            memo, loaded_url, definitions, "misdrijven-totaal", "2023", "buurt", "GM0935", measure="count"
        )
        is result
    )
    code = max(result.neighbours, key=lambda c: len(result.neighbours[c]))
    hidden, masked = hotspots.masked(result, {code, "BU99999999"})  # an unknown code is ignored
    assert hidden == {code}
    assert masked == {code, *result.neighbours[code]}
    assert len(masked) > 1
    assert hotspots.masked(result, set()) == (set(), set())
    # The public frame: no value, statistic, category, quadrant or cluster of the area itself ...
    public = hotspots.public_frame(result, {code}).set_index("area_code")
    own = public.loc[code]
    assert own[hotspots.OWN_FIGURES + hotspots.NEIGHBOURHOOD_STATISTICS].isna().all()
    assert own["category"] == own["lisa_cluster"] == hotspots.WITHHELD and own["lisa_quadrant"] == ""
    # ... the neighbours keep their category but lose z and p ...
    for neighbour in result.neighbours[code]:
        assert public.loc[neighbour, hotspots.NEIGHBOURHOOD_STATISTICS].isna().all()
        assert public.loc[neighbour, "category"] != hotspots.WITHHELD
        assert pd.notna(public.loc[neighbour, "value"])
    # ... and the others are as computed.
    others = public.drop(index=list(masked))
    assert others["z"].notna().all()
    assert result.frame.set_index("area_code").loc[code, "category"] != hotspots.WITHHELD  # not changed


def test_refusal_is_remembered(loaded_url: str, definitions: Definitions) -> None:
    memo: dict[object, object] = {}
    for _ in range(2):
        with pytest.raises(TooFewAreas):
            hotspots.cached(memo, loaded_url, definitions, "misdrijven-totaal", "2023", "wijk", "GM0935")
    assert len(memo) == 1
