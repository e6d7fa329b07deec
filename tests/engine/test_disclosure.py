# SPDX-License-Identifier: EUPL-1.2
"""Disclosure control holds: no withheld count can be worked out from the published ones.

Every parent area is an equation ``parent = sum of its parts`` (buurten in a wijk and in a
stadsdeel, wijken and stadsdelen in a gemeente, gemeenten in Nederland). The tests build
those equations themselves from the area register (independently of the engine) and check,
on generated hierarchies with small counts and on the embedded Maastricht data, that

* every equation has no withheld number or at least two;
* where the parent is published, the withheld parts leave each small count its whole range
  1..4 (a reader learns nothing beyond ``< 5``);
* solving all equations together determines no withheld number (its unit vector is not in
  the row space of the system restricted to the withheld numbers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veiligstad.domain.indicators import IndicatorKind
from veiligstad.engine import disclosure
from veiligstad.services import monitor
from veiligstad.storage.warehouse import Warehouse

THRESHOLD = 5
KINDS = {"misdrijven": IndicatorKind.RATE, "beleving": IndicatorKind.SURVEY}
LANAKERVELD = "BU09350304"
WIJK_NOORDWEST = "WK093503"
STADSDEEL_NOORDWEST = "SD093503"


@dataclass(frozen=True)
class Tree:
    """A generated register (areas) with one count per area (counts)."""

    areas: pd.DataFrame
    counts: dict[str, int]


def _register(rows: list[tuple[str, str, str | None, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["code", "level", "gemeente_code", "wijk_code", "stadsdeel_code"])


#: Small counts on purpose: many zeros and many counts of 1..4.
COUNTS = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 40))


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    """Nederland → 1-3 gemeenten → 1-4 wijken → 1-5 buurten, with 0-3 stadsdelen per gemeente
    that cut across the wijken; buurt counts drawn small, totals summed (a gemeente may have a
    few crimes without a buurt: it is then not exactly the sum of its parts)."""
    rows: list[tuple[str, str, str | None, str | None, str | None]] = [("NL", "land", None, None, None)]
    counts: dict[str, int] = {}
    for g in range(draw(st.integers(1, 3))):
        gemeente = f"G{g}"
        rows.append((gemeente, "gemeente", gemeente, None, None))
        stadsdelen = [f"S{g}{s}" for s in range(draw(st.integers(0, 3)))]
        rows += [(s, "stadsdeel", gemeente, None, None) for s in stadsdelen]
        for w in range(draw(st.integers(1, 4))):
            wijk = f"W{g}{w}"
            rows.append((wijk, "wijk", gemeente, None, None))
            for b in range(draw(st.integers(1, 5))):
                buurt = f"B{g}{w}{b}"
                stadsdeel = draw(st.sampled_from(stadsdelen)) if stadsdelen else None
                rows.append((buurt, "buurt", gemeente, wijk, stadsdeel))
                counts[buurt] = draw(COUNTS)
    areas = _register(rows)
    buurten = areas[areas["level"] == "buurt"]
    for column in ("wijk_code", "stadsdeel_code", "gemeente_code"):
        for parent, group in buurten.groupby(column):
            counts[str(parent)] = sum(counts[c] for c in group["code"])
    for gemeente in areas.loc[areas["level"] == "gemeente", "code"]:
        counts[gemeente] += draw(st.sampled_from([0, 0, 0, 2, 7]))
    counts["NL"] = sum(counts[g] for g in areas.loc[areas["level"] == "gemeente", "code"])
    return Tree(areas, counts)


def frame(counts: dict[str, int], indicator: str = "misdrijven", period: str = "2023") -> pd.DataFrame:
    """An indicator-values frame with one row per area (rate per 1,000 of 1,000 inhabitants)."""
    codes = sorted(counts)
    numerators = np.array([counts[c] for c in codes], dtype=float)
    return pd.DataFrame(
        {
            "indicator_id": indicator,
            "area_code": codes,
            "period": period,
            "year": int(period[:4]),
            "value": numerators,
            "numerator": numerators,
            "denominator": 1000.0,
            "ci_low": numerators * 0.8,
            "ci_high": numerators * 1.2,
            "published_value": np.nan,
            "difference": np.nan,
            "reconciliation": "",
        }
    )


def oracle_equations(areas: pd.DataFrame, present: set[str]) -> list[tuple[str, list[str]]]:
    """The equations a reader can write, built here from the register (not by the engine)."""
    out: list[tuple[str, list[str]]] = []
    buurten = areas[areas["level"] == "buurt"]
    for column in ("wijk_code", "stadsdeel_code"):
        for parent, group in buurten.groupby(column):
            out.append((str(parent), [str(c) for c in group["code"]]))
    for level in ("wijk", "stadsdeel"):
        for parent, group in areas[areas["level"] == level].groupby("gemeente_code"):
            out.append((str(parent), [str(c) for c in group["code"]]))
    gemeenten = [str(c) for c in areas.loc[areas["level"] == "gemeente", "code"]]
    out += [(str(c), gemeenten) for c in areas.loc[areas["level"] == "land", "code"]]
    return [
        (p, [c for c in cs if c in present])
        for p, cs in out
        if p in present and any(c in present for c in cs)
    ]


def determined(
    equations: list[tuple[str, list[str]]], hidden: set[str], open_: frozenset[str] | set[str] = frozenset()
) -> set[str]:
    """The withheld codes that the published equations fix: e_j in the row space (by rank).
    An equation whose parent is in ``open_`` gets an unknown of its own (what the parent
    counts outside its parts)."""
    unknown = sorted(hidden) + [f"rest:{p}" for p in sorted(open_)]
    if not hidden:
        return set()
    index = {c: j for j, c in enumerate(unknown)}
    rows = []
    for parent, children in equations:
        row = np.zeros(len(unknown))
        if parent in index:
            row[index[parent]] += 1
        if parent in open_:
            row[index[f"rest:{parent}"]] -= 1
        for c in children:
            if c in index:
                row[index[c]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    out = set()
    for code in sorted(hidden):
        unit = np.zeros(len(unknown))
        unit[index[code]] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            out.add(code)
    return out


def range_left(
    children: list[str], hidden: set[str], primary: set[str], counts: dict[str, int]
) -> dict[str, tuple[float, float]]:
    """For a published parent: the range of each withheld small part the equation leaves open."""
    unknown = [c for c in children if c in hidden]
    total = sum(counts[c] for c in unknown)
    low = {c: 1.0 if c in primary else float(THRESHOLD) for c in unknown}
    high = {c: THRESHOLD - 1.0 if c in primary else np.inf for c in unknown}
    return {
        c: (
            max(1.0, total - sum(high[o] for o in unknown if o != c)),
            min(THRESHOLD - 1.0, total - sum(low[o] for o in unknown if o != c)),
        )
        for c in unknown
        if c in primary
    }


def check_holds(areas: pd.DataFrame, counts: dict[str, int], public: pd.DataFrame) -> None:
    """The three rules of ``engine.disclosure`` on one indicator and period."""
    hidden = set(public.loc[public["suppressed"], "area_code"])
    primary = {c for c, n in counts.items() if 0 < n < THRESHOLD}
    assert set(public.loc[public["suppression"] == "primair", "area_code"]) == primary
    check_equations(oracle_equations(areas, set(counts)), counts, hidden)
    shown = public[public["suppressed"]]
    assert shown[list(disclosure.DERIVED)].isna().all().all()


def check_equations(equations: list[tuple[str, list[str]]], counts: dict[str, int], hidden: set[str]) -> None:
    """Rules 1-3 for a system of equations over named cells with ``hidden`` withheld."""
    primary = {c for c, n in counts.items() if 0 < n < THRESHOLD}
    assert primary <= hidden
    assert all(counts[c] > 0 for c in hidden)  # a zero is never withheld
    # The engine treats a parent as the exact sum of its parts (the reader is assumed to know
    # what it counts outside them). When that outside part is all there is (the published
    # parts are zero and the rest is withheld already), nothing is left that could protect:
    # there the reader is, honestly, not assumed to know it.
    stuck = {
        parent
        for parent, children in equations
        if counts[parent] != sum(counts[c] for c in children)
        and all(counts[c] == 0 for c in [parent, *children] if c not in hidden)
    }
    for parent, children in equations:
        unknown = [c for c in [parent, *children] if c in hidden]
        if parent in stuck:
            continue
        assert len(unknown) != 1, (parent, children, unknown)
        if parent not in hidden:
            for code, (low, high) in range_left(children, hidden, primary, counts).items():
                assert (low, high) == (1.0, THRESHOLD - 1.0), (parent, code, low, high)
    assert not determined(equations, hidden, stuck)


QUARTERS = [f"2023Q{q}" for q in range(1, 5)]


@st.composite
def seasons(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, int]]:
    """A gemeente with 1-3 wijken of 1-3 buurten and a count per buurt and quarter of 2023;
    wijken, gemeente and the year are sums. Cells are named ``area@period``."""
    rows: list[tuple[str, str, str | None, str | None, str | None]] = [("G", "gemeente", "G", None, None)]
    counts: dict[str, int] = {}
    for w in range(draw(st.integers(1, 3))):
        rows.append((f"W{w}", "wijk", "G", None, None))
        for b in range(draw(st.integers(1, 3))):
            rows.append((f"B{w}{b}", "buurt", "G", f"W{w}", None))
            for quarter in QUARTERS:
                counts[f"B{w}{b}@{quarter}"] = draw(COUNTS)
    areas = _register(rows)
    buurten = [r[0] for r in rows if r[1] == "buurt"]
    for quarter in QUARTERS:
        for wijk in (r[0] for r in rows if r[1] == "wijk"):
            counts[f"{wijk}@{quarter}"] = sum(
                counts[f"{b}@{quarter}"] for b in buurten if b.startswith(f"B{wijk[1:]}")
            )
        counts[f"G@{quarter}"] = sum(counts[f"{b}@{quarter}"] for b in buurten)
    for area in areas["code"]:
        counts[f"{area}@2023"] = sum(counts[f"{area}@{q}"] for q in QUARTERS)
    return areas, counts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seasons())
def test_no_withheld_count_follows_from_areas_and_quarters_together(
    case: tuple[pd.DataFrame, dict[str, int]],
) -> None:
    areas, counts = case
    rows = pd.concat(
        [
            frame({k.split("@")[0]: n for k, n in counts.items() if k.endswith(f"@{p}")}, period=p)
            for p in ["2023", *QUARTERS]
        ],
        ignore_index=True,
    )
    public = disclosure.apply(rows, KINDS, THRESHOLD, areas)
    withheld = zip(public["area_code"], public["period"], public["suppressed"], strict=True)
    hidden = {f"{a}@{p}" for a, p, h in withheld if h}
    codes = set(areas["code"])
    equations = [
        (f"{parent}@{p}", [f"{c}@{p}" for c in children])
        for p in ["2023", *QUARTERS]
        for parent, children in oracle_equations(areas, codes)
    ]
    equations += [(f"{a}@2023", [f"{a}@{q}" for q in QUARTERS]) for a in codes]
    check_equations(equations, counts, hidden)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_no_withheld_count_follows_from_the_published_ones(tree: Tree) -> None:
    public = disclosure.apply(frame(tree.counts), KINDS, THRESHOLD, tree.areas)
    check_holds(tree.areas, tree.counts, public)


def test_one_small_buurt_withholds_the_smallest_non_zero_sister() -> None:
    areas = _register(
        [
            ("G", "gemeente", "G", None, None),
            ("W", "wijk", "G", None, None),
            ("B1", "buurt", "G", "W", None),
            ("B2", "buurt", "G", "W", None),
            ("B3", "buurt", "G", "W", None),
            ("B4", "buurt", "G", "W", None),
        ]
    )
    counts = {"B1": 3, "B2": 0, "B3": 12, "B4": 40, "W": 55, "G": 55}
    public = disclosure.apply(frame(counts), KINDS, THRESHOLD, areas).set_index("area_code")
    assert public.loc["B1", "suppression"] == "primair" and public.loc["B1", "disclosure"] == "< 5"
    assert public.loc["B3", "suppression"] == "secundair" and public.loc["B3", "disclosure"] == "afgeschermd"
    assert not public.loc[["B2", "B4", "W", "G"], "suppressed"].any()  # the zero protects nothing
    assert public.loc["B3", ["value", "numerator", "ci_low", "ci_high"]].isna().all()


def test_a_group_of_small_counts_that_gives_itself_away_is_widened() -> None:
    # 1 + 1 withheld in a published wijk of 2 + 30: together 2, so each must be 1.
    areas = _register(
        [("W", "wijk", "G", None, None)] + [(b, "buurt", "G", "W", None) for b in ("B1", "B2", "B3")]
    )
    counts = {"B1": 1, "B2": 1, "B3": 30, "W": 32}
    public = disclosure.apply(frame(counts), KINDS, THRESHOLD, areas).set_index("area_code")
    assert public.loc["B3", "suppression"] == "secundair"


def test_a_lone_small_part_withholds_the_parent() -> None:
    areas = _register(
        [("W", "wijk", "G", None, None), ("B1", "buurt", "G", "W", None), ("B2", "buurt", "G", "W", None)]
    )
    counts = {"B1": 2, "B2": 0, "W": 2}
    public = disclosure.apply(frame(counts), KINDS, THRESHOLD, areas).set_index("area_code")
    assert public.loc["W", "suppression"] == "primair"  # the wijk is itself a small count
    counts = {"B1": 2, "B2": 0, "W": 9}  # 7 crimes in the wijk without a buurt
    public = disclosure.apply(frame(counts), KINDS, THRESHOLD, areas).set_index("area_code")
    assert public.loc["W", "suppression"] == "secundair"


def test_quarters_add_up_to_the_year() -> None:
    rows = pd.concat(
        [
            frame({"W": n}, period=p)
            for p, n in [("2023", 40), ("2023Q1", 3), ("2023Q2", 9), ("2023Q3", 12), ("2023Q4", 16)]
        ]
    )
    public = disclosure.apply(rows.reset_index(drop=True), KINDS, THRESHOLD).set_index("period")
    assert public.loc["2023Q1", "suppression"] == "primair"
    assert public.loc["2023Q2", "suppression"] == "secundair"
    assert not public.loc[["2023", "2023Q3", "2023Q4"], "suppressed"].any()


def test_survey_estimates_are_not_counts() -> None:
    areas = _register(
        [("W", "wijk", "G", None, None), ("B1", "buurt", "G", "W", None), ("B2", "buurt", "G", "W", None)]
    )
    public = disclosure.apply(
        frame({"B1": 3, "B2": 40, "W": 43}, indicator="beleving"), KINDS, THRESHOLD, areas
    )
    assert not public["suppressed"].any() and (public["suppression"] == "").all()


@pytest.fixture(scope="module")
def maastricht(loaded_url: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw values and the area register of the embedded data."""
    with Warehouse.open(loaded_url) as warehouse:
        values = monitor.indicator_values(warehouse, monitor.load_definitions())
        areas = warehouse.areas().drop("geometry").to_pandas()
    return values, areas


def _lanakerveld_by_subtraction(
    public: pd.DataFrame, parent: str, level_column: str, areas: pd.DataFrame
) -> float:
    """The parent's published count minus its other published buurten (NaN when impossible)."""
    rows = public[(public["indicator_id"] == "misdrijven-totaal") & (public["period"] == "2023")]
    rows = rows.set_index("area_code")
    others = [
        str(c)
        for c in areas.loc[(areas["level"] == "buurt") & (areas[level_column] == parent), "code"]
        if c != LANAKERVELD
    ]
    numerators = rows["numerator"].astype(float)
    return float(numerators[parent]) - float(numerators[others].sum(min_count=len(others)))


def test_lanakerveld_can_no_longer_be_worked_out(maastricht: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    values, areas = maastricht
    kinds = {"misdrijven-totaal": IndicatorKind.RATE}
    before = disclosure.apply(values, kinds, THRESHOLD)  # primary suppression only
    assert bool(
        before.set_index(["indicator_id", "area_code", "period"]).loc[
            ("misdrijven-totaal", LANAKERVELD, "2023"), "suppressed"
        ]
    )
    assert _lanakerveld_by_subtraction(before, WIJK_NOORDWEST, "wijk_code", areas) == 3  # 231 − 228
    assert _lanakerveld_by_subtraction(before, STADSDEEL_NOORDWEST, "stadsdeel_code", areas) == 3
    after = disclosure.apply(values, kinds, THRESHOLD, areas)
    assert np.isnan(_lanakerveld_by_subtraction(after, WIJK_NOORDWEST, "wijk_code", areas))
    assert np.isnan(_lanakerveld_by_subtraction(after, STADSDEEL_NOORDWEST, "stadsdeel_code", areas))
    # ... and no combination of all published Maastricht counts of 2023 gives it back either.
    rows = values[(values["indicator_id"] == "misdrijven-totaal") & (values["period"] == "2023")]
    own = areas[(areas["gemeente_code"] == "GM0935") | (areas["level"] == "land")]
    counts = {
        str(a): int(n)
        for a, n in zip(rows["area_code"], rows["numerator"], strict=True)
        if a in set(own["code"])
    }
    public = after[(after["indicator_id"] == "misdrijven-totaal") & (after["period"] == "2023")]
    check_holds(own, counts, public[public["area_code"].isin(set(counts))])


def test_apply_is_fast_on_the_embedded_data(maastricht: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    values, areas = maastricht
    kinds = {"misdrijven-totaal": IndicatorKind.RATE}
    started = time.perf_counter()
    disclosure.apply(values, kinds, THRESHOLD, areas)
    assert time.perf_counter() - started < 2.0


def test_large_systems_find_the_same_determined_cells() -> None:
    """Above 400 equations the row space comes from ``A @ A.T`` instead of the SVD."""
    small = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]])
    expected = disclosure.determined_columns(small)
    assert expected.tolist() == [True, True, False, False]
    large = np.kron(np.eye(150), small)  # 450 equations, 600 unknowns
    assert disclosure.determined_columns(large).tolist() == expected.tolist() * 150
