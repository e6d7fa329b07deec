# SPDX-License-Identifier: EUPL-1.2
"""Disclosure control for public figures: small counts are withheld, and so is whatever
would give them away.

Primary suppression. A count of 1 to ``threshold - 1`` registrations in an area can point
at a victim or a suspect. On public pages and in the public API such a count is replaced by
the text ``< threshold`` and nothing is derived from it: no rate, no interval, no
difference with a published value and no significance test. Zero is shown: it is published
by CBS/Politie too and identifies no one. Survey estimates are shown as their source
published them (CBS applies its own minimum number of respondents before publishing).

Secondary suppression. Withholding the small count alone is not enough when its parent area
and its sister areas are published: the wijk total minus the other buurten of the wijk gives
the withheld buurt back (Lanakerveld 2023: 231 − 228 = 3). Every parent area is, for the
reader, an equation *parent = sum of its parts*: buurten in a wijk, buurten in a stadsdeel,
wijken in the gemeente, stadsdelen in the gemeente, gemeenten in Nederland, and months,
quarters and half years in a year. So we also withhold one or more other, larger counts —
the smallest non-zero sister area, or the parent when there is none — until no withheld
count can be worked out from the published ones. This is the classic approach of
statistical agencies for tables with totals (Hundepool et al. 2012, *Statistical Disclosure
Control*, Wiley, chapter 4; the ideas of τ-ARGUS and the R package sdcTable), here with a
simple, explainable rule instead of an optimiser:

1. in every equation, either nothing is withheld or at least two numbers are;
2. when the parent is published, the withheld parts together leave each small count its
   whole range: from the equation alone a reader can only learn that it lies between 1 and
   ``threshold - 1``, what ``< 5`` already says (so two withheld buurten with 1 crime each
   are not enough: together 2, each must be 1);
3. across all equations together (solved as a linear system) no withheld number is
   determined.

A zero is never withheld as a protection: everyone can see that nothing is hidden in it, so
it protects nothing. A parent whose own count is not exactly the sum of its parts (the police
count crimes without a buurt at gemeente level) is treated as if it were: the reader is
assumed to know the difference, which can only make the protection stronger. Rule 3 is
checked with the null space of the system of equations restricted to the withheld numbers
(a number is determined exactly when every solution of the homogeneous system leaves it at
zero).

Withheld cells are marked ``suppressed``; ``suppression`` says why: ``primair`` (the small
count itself) or ``secundair`` (withheld to protect another one), and ``disclosure`` is the
text shown instead (``< 5`` or ``afgeschermd``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from veiligstad.domain.indicators import IndicatorKind
from veiligstad.domain.periods import PeriodType, parse_period
from veiligstad.errors import DataError

#: Default threshold: counts 1–4 are suppressed.
DEFAULT_THRESHOLD = 5

#: Columns that are withheld when a count is suppressed.
DERIVED = ("value", "numerator", "ci_low", "ci_high", "difference", "published_value")

#: Why a cell is withheld (the ``suppression`` column).
PRIMARY = "primair"
SECONDARY = "secundair"

#: What is shown instead of a count withheld to protect another (secondary suppression).
PROTECTED = "afgeschermd"


def suppressed(numerators: pd.Series, threshold: int) -> pd.Series:
    """Which counts are too small to publish: 0 < n < threshold.

    >>> suppressed(pd.Series([0.0, 1.0, 4.0, 5.0, np.nan]), 5).tolist()
    [False, True, True, False, False]
    """
    return (numerators > 0) & (numerators < threshold)


def label(threshold: int) -> str:
    """What is shown instead of a suppressed count: ``< 5``."""
    return f"< {threshold}"


@dataclass(frozen=True)
class Equation:
    """One published total and its parts, as row positions: ``parent = sum(children)``."""

    parent: int
    children: tuple[int, ...]

    @property
    def cells(self) -> tuple[int, ...]:
        """The parent and its parts."""
        return (self.parent, *self.children)


def area_relations(areas: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """Every parent area with its parts, from the area register: the buurten of each wijk and
    each stadsdeel, the wijken and (separately) the stadsdelen of each gemeente, and the
    gemeenten of Nederland.

    >>> register = pd.DataFrame({"code": ["G", "W1", "B1", "B2"],
    ...     "level": ["gemeente", "wijk", "buurt", "buurt"],
    ...     "gemeente_code": ["G", "G", "G", "G"], "wijk_code": [None, None, "W1", "W1"],
    ...     "stadsdeel_code": [None, None, None, None]})
    >>> area_relations(register)
    [('W1', ['B1', 'B2']), ('G', ['W1'])]
    """

    def column(name: str) -> list[object]:
        return list(areas[name]) if name in areas.columns else [None] * len(areas)

    rows = list(
        zip(
            column("code"),
            column("level"),
            column("wijk_code"),
            column("stadsdeel_code"),
            column("gemeente_code"),
            strict=True,
        )
    )
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, level, wijk, stadsdeel, _ in rows:
        if level == "buurt":
            for kind, parent in (("wijk", wijk), ("stadsdeel", stadsdeel)):
                if isinstance(parent, str):
                    groups[(kind, parent)].append(str(code))
    for kind in ("wijk", "stadsdeel"):
        for code, level, _, _, gemeente in rows:
            if level == kind and isinstance(gemeente, str):
                groups[(f"gemeente-{kind}", gemeente)].append(str(code))
    gemeenten = [str(code) for code, level, *_ in rows if level == "gemeente"]
    for code, level, *_ in rows:
        if level == "land" and gemeenten:
            groups[("land", str(code))] = gemeenten
    order = ("wijk", "stadsdeel", "gemeente-wijk", "gemeente-stadsdeel", "land")
    return [
        (parent, sorted(groups[(kind, parent)]))
        for kind, parent in sorted(groups, key=lambda g: (order.index(g[0]), g[1]))
    ]


#: Finer periods that add up to a coarser one: (coarse, fine, fine periods per coarse one).
_PERIOD_PARTS = (
    (PeriodType.YEAR, PeriodType.HALF_YEAR, 2),
    (PeriodType.YEAR, PeriodType.QUARTER, 4),
    (PeriodType.YEAR, PeriodType.MONTH, 12),
    (PeriodType.HALF_YEAR, PeriodType.QUARTER, 2),
    (PeriodType.QUARTER, PeriodType.MONTH, 3),
)


def _period_parent(text: str, coarse: PeriodType, fine: PeriodType, per: int) -> str | None:
    """The code of the coarser period a finer one belongs to (None when it is not ``fine``)."""
    try:
        period = parse_period(text)
    except DataError:
        return None
    if period.type is not fine:
        return None
    if coarse is PeriodType.YEAR:
        return str(period.year)
    number = (period.number - 1) // per + 1
    return f"{period.year}H{number}" if coarse is PeriodType.HALF_YEAR else f"{period.year}Q{number}"


def equations(cells: pd.DataFrame, relations: Iterable[tuple[str, Sequence[str]]]) -> list[Equation]:
    """The equations a reader can write down with the cells of ``cells`` (positions 0..n-1;
    columns ``indicator_id``, ``area_code``, ``period``): per indicator and period one per area
    relation whose parent is among the cells, and per indicator and area one per period
    relation (a year and its quarters, ...)."""
    keys = zip(*(cells[c].astype(str).tolist() for c in ("indicator_id", "area_code", "period")), strict=True)
    position = {key: n for n, key in enumerate(keys)}
    by_group: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (indicator, area, period), n in position.items():
        by_group[(indicator, period)][area] = n
    parts_of: dict[str, list[Sequence[str]]] = defaultdict(list)
    for parent, children in relations:
        parts_of[parent].append(children)
    out: list[Equation] = []
    for group in by_group.values():
        for parent, n in group.items():
            for children in parts_of.get(parent, ()):
                found = tuple(group[c] for c in children if c in group)
                if found:
                    out.append(Equation(n, found))
    known = {str(p) for p in cells["period"].unique()}
    above = {(p, r): _period_parent(p, *r) for p in known for r in _PERIOD_PARTS}
    if all(whole is None for whole in above.values()):  # years only: no period equations
        return out
    by_area: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (indicator, area, period), n in position.items():
        by_area[(indicator, area)][period] = n
    for periods in by_area.values():
        if len(periods) < 2:
            continue
        for rule in _PERIOD_PARTS:
            parts: dict[str, list[int]] = defaultdict(list)
            for period, n in periods.items():
                whole = above[(period, rule)]
                if whole is not None and whole in periods:
                    parts[whole].append(n)
            out.extend(Equation(periods[p], tuple(sorted(ns))) for p, ns in parts.items())
    return out


def _violated(
    eq: Equation, counts: np.ndarray, primary: np.ndarray, hidden: np.ndarray, threshold: int
) -> bool:
    """Whether an equation gives a withheld number away (rules 1 and 2 of the module text)."""
    unknown = [c for c in eq.cells if hidden[c]]
    if not unknown:
        return False
    if len(unknown) == 1:
        return True
    if hidden[eq.parent]:
        return False
    total = float(sum(counts[c] for c in unknown))  # what the reader derives: parent − published parts
    lower = {c: 1.0 if primary[c] else float(threshold) for c in unknown}
    upper = {c: float(threshold - 1) if primary[c] else np.inf for c in unknown}
    low_sum, up_sum = sum(lower.values()), sum(upper.values())
    for c in unknown:
        if not primary[c]:
            continue
        low = max(1.0, total - (up_sum - upper[c]))
        high = min(float(threshold - 1), total - (low_sum - lower[c]))
        if low > 1.0 or high < threshold - 1:
            return True
    return False


def _pick(
    eq: Equation,
    counts: np.ndarray,
    hidden: np.ndarray,
    demand: Mapping[int, int],
    children_only: bool = False,
) -> int | None:
    """The cell to withhold next for an equation: the published non-zero part that helps the
    most equations at once, then the smallest; the parent when no part can be withheld."""
    parts = [c for c in eq.children if not hidden[c] and counts[c] > 0]
    if parts:
        return min(parts, key=lambda c: (-demand.get(c, 0), counts[c], c))
    if not children_only and not hidden[eq.parent] and counts[eq.parent] > 0:
        return eq.parent
    return None


def _determined(system: Sequence[Equation], hidden: np.ndarray) -> list[int]:
    """The withheld cells that the whole system of equations determines (rule 3)."""
    relevant = [eq for eq in system if any(hidden[c] for c in eq.cells)]
    if not relevant:
        return []
    # Connected parts of the system (unknowns linked by an equation), solved one by one.
    root: dict[int, int] = {}

    def find(c: int) -> int:
        while root.setdefault(c, c) != c:
            root[c] = root[root[c]]
            c = root[c]
        return c

    for eq in relevant:
        unknown = [c for c in eq.cells if hidden[c]]
        for c in unknown[1:]:
            root[find(c)] = find(unknown[0])
    blocks: dict[int, list[Equation]] = defaultdict(list)
    for eq in relevant:
        blocks[find(next(c for c in eq.cells if hidden[c]))].append(eq)
    out: list[int] = []
    for block in blocks.values():
        columns = sorted({c for eq in block for c in eq.cells if hidden[c]})
        index = {c: j for j, c in enumerate(columns)}
        matrix = np.zeros((len(block), len(columns)))
        for i, eq in enumerate(block):
            if hidden[eq.parent]:
                matrix[i, index[eq.parent]] += 1.0
            for c in eq.children:
                if hidden[c]:
                    matrix[i, index[c]] -= 1.0
        out.extend(columns[j] for j in np.flatnonzero(determined_columns(matrix)))
    return out


def determined_columns(matrix: np.ndarray) -> np.ndarray:
    """Which unknowns of the linear system ``matrix @ x = b`` are fixed by it: those whose
    unit vector lies in the row space, i.e. whose projection on an orthonormal basis of the
    row space keeps length 1 (its leverage is 1). The basis comes from the reduced SVD, or for
    large systems from the eigenvectors of ``matrix @ matrix.T`` (the same basis, about ten
    times faster with a thousand equations).

    >>> determined_columns(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]])).tolist()
    [True, True, False]
    """
    if matrix.size == 0:
        return np.zeros(matrix.shape[1], dtype=bool)
    if min(matrix.shape) <= 400:
        _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
        rank = int((singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))).sum())
        basis = vt[:rank]
    else:
        eigen, vectors = np.linalg.eigh(matrix @ matrix.T)
        keep = eigen > 1e-10 * max(1.0, float(eigen.max()))
        basis = (vectors[:, keep] / np.sqrt(eigen[keep])).T @ matrix
    leverage = np.square(basis).sum(axis=0)
    return np.asarray(leverage > 1.0 - 1e-6, dtype=bool)


def protect(
    counts: np.ndarray, primary: np.ndarray, system: Sequence[Equation], threshold: int
) -> np.ndarray:
    """The secondary suppressions for ``counts`` with ``primary`` withheld: a boolean mask of
    the extra cells to withhold so that the three rules of the module text hold (or as near
    as the data allow: a small count whose equations have no non-zero number left to withhold
    stays as it is).

    >>> wijk = [Equation(0, (1, 2, 3))]  # wijk 40 = 3 + 9 + 28: 9 is withheld too
    >>> protect(np.array([40.0, 3, 9, 28]), np.array([False, True, False, False]), wijk, 5).tolist()
    [False, False, True, False]
    >>> protect(np.array([40.0, 3, 5, 32]), np.array([False, True, False, False]), wijk, 5).tolist()
    [False, False, True, True]

    In the second case 3 + 5 alone would tell that the small count is at most 3.
    """
    hidden = primary.copy()
    around: dict[int, list[int]] = defaultdict(list)  # cell -> the equations it is in
    for n, eq in enumerate(system):
        for c in eq.cells:
            around[c].append(n)

    def check(numbers: Iterable[int]) -> None:
        for n in numbers:
            if _violated(system[n], counts, primary, hidden, threshold):
                broken.add(n)
            else:
                broken.discard(n)

    broken: set[int] = set()
    check(n for c in np.flatnonzero(primary) for n in around[int(c)])
    while True:
        while broken:
            first = min(broken)
            demand = {c: sum(n in broken for n in around[c]) for c in system[first].cells}
            chosen = _pick(system[first], counts, hidden, demand)
            if chosen is None:  # nothing left to withhold here
                broken.discard(first)
                continue
            hidden[chosen] = True
            check(around[chosen])
        before = hidden.copy()
        if not _repair(system, counts, hidden):
            return np.asarray(hidden & ~primary, dtype=bool)
        check(n for c in np.flatnonzero(hidden & ~before) for n in around[int(c)])


def _repair(system: Sequence[Equation], counts: np.ndarray, hidden: np.ndarray) -> bool:
    """Withhold one more cell so that a withheld cell the whole system still determines
    (rule 3) no longer is: the smallest published non-zero cell of the equations around it
    that frees it, else the smallest of them; False when nothing is determined or nothing is
    left to withhold."""
    determined = _determined(system, hidden)
    if not determined:
        return False
    cell = determined[0]
    around = [eq for eq in system if any(hidden[c] for c in eq.cells)]
    near = [eq for eq in around if cell in eq.cells]
    candidates: list[int] = []
    for group in (near, around):
        found = {c for eq in group for c in eq.cells if not hidden[c] and counts[c] > 0}
        candidates += sorted(found - set(candidates), key=lambda c: (counts[c], c))
    if not candidates:
        return False
    for c in candidates:
        hidden[c] = True
        if cell not in _determined(system, hidden):
            return True
        hidden[c] = False
    hidden[candidates[0]] = True
    return True


def apply(
    values: pd.DataFrame,
    kinds: Mapping[str, IndicatorKind],
    threshold: int,
    areas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The public version of an indicator-values frame.

    Adds ``suppressed`` (bool), ``suppression`` (``primair``, ``secundair`` or empty) and
    ``disclosure`` (``< 5``, ``afgeschermd`` or empty) and empties the derived columns of
    suppressed rows. Secondary suppression uses the area hierarchy of ``areas`` (the area
    register) and the periods; without ``areas`` only the periods. Survey rows are left as
    published.

    >>> frame = pd.DataFrame({"indicator_id": ["a", "a"], "area_code": ["B1", "B2"],
    ...     "period": ["2023", "2023"], "value": [2.0, 9.0], "numerator": [2.0, 9.0],
    ...     "ci_low": [0.2, 4.1], "ci_high": [7.2, 17.1]})
    >>> public = apply(frame, {"a": IndicatorKind.COUNT}, 5)
    >>> public["disclosure"].tolist(), public["value"].isna().tolist()
    (['< 5', ''], [True, False])
    """
    frame = values.copy()
    surveys = [i for i, kind in kinds.items() if kind is IndicatorKind.SURVEY]
    counted = ~frame["indicator_id"].isin(surveys)
    small = counted & suppressed(frame["numerator"], threshold)
    primary = small.to_numpy(dtype=bool)
    secondary = np.zeros(len(frame), dtype=bool)
    # Only indicators with a small count need equations (the others have nothing to protect).
    cells = (
        counted
        & frame["numerator"].notna()
        & frame["indicator_id"].isin(set(frame.loc[small, "indicator_id"]))
    )
    if primary.any() and {"area_code", "period"} <= set(frame.columns):
        positions = np.flatnonzero(cells.to_numpy())
        table = frame.iloc[positions][["indicator_id", "area_code", "period"]]
        used = areas[areas["code"].isin(set(table["area_code"]))] if areas is not None else None
        relations = area_relations(used) if used is not None else []
        system = equations(table, relations)
        extra = protect(
            frame["numerator"].to_numpy(dtype=float)[positions], primary[positions], system, threshold
        )
        secondary[positions[extra]] = True
    hide = primary | secondary
    for column in DERIVED:
        if column in frame.columns:
            frame[column] = frame[column].where(~hide, np.nan)
    if "reconciliation" in frame.columns:
        frame["reconciliation"] = frame["reconciliation"].where(~hide, "")
    frame["suppressed"] = hide
    frame["suppression"] = np.where(primary, PRIMARY, np.where(secondary, SECONDARY, ""))
    frame["disclosure"] = np.where(primary, label(threshold), np.where(secondary, PROTECTED, ""))
    return frame
