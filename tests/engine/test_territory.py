# SPDX-License-Identifier: EUPL-1.2
"""Rates on the right territory across municipal mergers (``engine.territory``).

Constructed cases (a Schagen-like merger into a code that keeps its number, a merger into a
new code, a split-up, a merger during the year) run through ``engine.compute``; the real
cases use the embedded data: CBS 37230NED populations and CBS 83648NED counts, with the
mergers of RvIG Tabel 33 (``data/embedded/areas/mergers.csv``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tests.strategies import area, areas_frame, obs, observations_frame, rate_indicator, run_compute
from veiligstad.domain.mergers import Merger
from veiligstad.engine.territory import annotate
from veiligstad.sources.embedded import embedded_root
from veiligstad.sources.mergers import embedded_mergers

CRIME = "misdrijven:0.0.0"
RATE = rate_indicator("rate", [CRIME])
S, H, Z, N = "GM0441", "GM0395", "GM0476", "GM1992"


def _areas() -> pd.DataFrame:
    return areas_frame([area(code, "gemeente", gemeente=code) for code in (S, H, Z, N)])


def _schagen() -> Merger:
    return Merger(dt.date(2013, 1, 1), S, "Schagen", (H, Z), ("Harenkarspel", "Zijpe"), True)


def _rate(result: pd.DataFrame, code: str, year: int) -> pd.Series:
    rows = result[(result.area_code == code) & (result.year == year)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_merger_year_population_is_the_sum_of_the_predecessors() -> None:
    # Schagen 2013: 2,085 crimes on the merged territory; 1 January 2013 in old boundaries:
    # Schagen 18,566, Harenkarspel 16,000, Zijpe 11,500 (the last two made up for the test).
    rows = [
        obs(CRIME, S, 2012, 1090),
        obs(CRIME, S, 2013, 2085),
        obs("inwoners", S, 2012, 18653),
        obs("inwoners", S, 2013, 18566),
        obs("inwoners", H, 2013, 16000),
        obs("inwoners", Z, 2013, 11500),
    ]
    result = run_compute(observations_frame(rows), _areas(), [RATE], [_schagen()])
    merged = _rate(result, S, 2013)
    assert merged["denominator"] == 18566 + 16000 + 11500
    assert merged["value"] == pytest.approx(2085 * 1000 / 46066, rel=1e-12)
    assert not merged["approximate"]
    before = _rate(result, S, 2012)  # the year before keeps the old territory on both sides
    assert before["denominator"] == 18653
    # Without the merger list the old territory's population is used (the reviewer's 112.3).
    plain = run_compute(observations_frame(rows), _areas(), [RATE])
    assert _rate(plain, S, 2013)["value"] == pytest.approx(2085 * 1000 / 18566)


def test_a_missing_predecessor_population_leaves_the_stored_figure_alone() -> None:
    rows = [obs(CRIME, S, 2013, 2085), obs("inwoners", S, 2013, 18566), obs("inwoners", H, 2013, 16000)]
    result = run_compute(observations_frame(rows), _areas(), [RATE], [_schagen()])
    assert _rate(result, S, 2013)["denominator"] == 18566


def test_split_up_marks_the_sum_approximate() -> None:
    split = Merger(dt.date(2013, 1, 1), S, "Schagen", (H,), ("Harenkarspel",), True, split=(H,))
    rows = [obs(CRIME, S, 2013, 900), obs("inwoners", S, 2013, 18566), obs("inwoners", H, 2013, 16000)]
    result = run_compute(observations_frame(rows), _areas(), [RATE], [split])
    row = _rate(result, S, 2013)
    assert row["denominator"] == 18566 + 16000
    assert row["approximate"]


def test_new_code_gets_its_predecessors_population_for_recast_counts() -> None:
    # Voorne aan Zee (1 January 2023) in a police table recast to the 2025 boundaries: a 2022
    # count for a code that did not exist yet, divided by its predecessors' 2022 population.
    merger = Merger(dt.date(2023, 1, 1), N, "Voorne aan Zee", (H, Z), ("Brielle", "Westvoorne"), False)
    rows = [
        obs(CRIME, N, 2022, 3000),
        obs(CRIME, N, 2023, 3100),
        obs("inwoners", H, 2022, 17000),
        obs("inwoners", Z, 2022, 14000),
        obs("inwoners", H, 2023, 17100),
        obs("inwoners", Z, 2023, 14100),
    ]
    result = run_compute(observations_frame(rows), _areas(), [RATE], [merger])
    assert _rate(result, N, 2022)["denominator"] == 31000
    assert _rate(result, N, 2023)["denominator"] == 31200


def test_break_and_transition_year() -> None:
    spring = Merger(dt.date(2022, 3, 24), S, "Amsterdam", (H,), ("Weesp",), True)
    frame = pd.DataFrame(
        {
            "area_code": [S] * 4 + ["WK044100"],
            "level": ["gemeente"] * 4 + ["wijk"],
            "year": [2021, 2022, 2023, 2024, 2022],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0],
            "approximate": [False] * 5,
        }
    )
    out = annotate(frame, [spring])
    assert [bool(b) for b in out["territory_break"]] == [False, True, True, False, False]
    assert out["territory_break"].iloc[1] == "herindeling per 24 maart 2022: Weesp opgegaan in Amsterdam"
    assert out["approximate"].tolist() == [False, True, False, False, False]


def test_embedded_merger_list() -> None:
    mergers = embedded_mergers()
    by_key = {(m.successor, m.date.year): m for m in mergers if m.absorbed}
    schagen = by_key[("GM0441", 2013)]
    assert schagen.predecessors == ("GM0441", "GM0395", "GM0476")
    assert by_key[("GM1992", 2023)].successor_existed is False
    assert by_key[("GM0363", 2022)].first_year == 2023  # Weesp: 24 March 2022
    # The other receivers of a split-up changed territory as well (Haaren 2021 -> Tilburg).
    tilburg = [m for m in mergers if m.successor == "GM0855"]
    assert [(m.date.year, m.parts_of, m.approximate) for m in tilburg] == [(2021, ("Haaren",), True)]


def _embedded_population() -> dict[tuple[str, int], float]:
    path = embedded_root() / "observations" / "cbs_37230ned_inwoners_gemeenten_2003_2025.csv"
    frame = pd.read_csv(Path(path), dtype={"area_code": str})
    return {(c, int(p)): float(v) for c, p, v in zip(frame.area_code, frame.period, frame.value, strict=True)}


def test_summed_populations_agree_with_the_first_count_in_the_new_boundaries() -> None:
    """Check on real data: the sum of the predecessors on 1 January of a merger year is within
    3% of the successor's own figure a year later (end of the merger year, new boundaries),
    except where the merger is marked approximate; and the check finds every split-up the
    provenance notes list (so it also finds unlisted ones, such as Meerlo-Wanssum 2010)."""
    population = _embedded_population()
    checked, off = 0, []
    for merger in embedded_mergers():
        year = merger.date.year
        if not merger.on_new_year or not merger.absorbed or year > 2024:
            continue
        parts = [population.get((code, year)) for code in merger.predecessors]
        later = population.get((merger.successor, year + 1))
        if later is None or any(p is None for p in parts):
            continue
        checked += 1
        ratio = later / sum(p for p in parts if p is not None)
        assert (abs(ratio - 1) > 0.03) == bool(merger.check), (merger, ratio)
        if merger.split:
            assert merger.check, merger
        if abs(ratio - 1) > 0.03:
            off.append(merger.successor)
    assert checked >= 80, checked
    assert 0 < len(off) <= 15, off


@pytest.mark.parametrize(
    ("code", "year", "predecessors"),
    [
        ("GM1949", 2018, ("GM0063", "GM0070", "GM1908")),  # Waadhoeke, also part of Littenseradiel
        ("GM1969", 2019, ("GM0015", "GM0022", "GM0025", "GM0056")),  # Westerkwartier, part of Winsum
    ],
)
def test_a_new_code_that_also_received_a_split_part_gets_a_merger_year_rate(
    code: str, year: int, predecessors: tuple[str, ...]
) -> None:
    """Real merger list and populations: the split-up's event named the new code itself as a
    predecessor, which had no population of its own, so the merger year had no denominator."""
    population = _embedded_population()
    mergers = [m for m in embedded_mergers() if m.successor == code and m.date.year == year]
    assert len(mergers) == 2  # the merger and the received part of a split-up
    rows = [obs(CRIME, code, year, 1000)]
    rows += [obs("inwoners", p, year, population[(p, year)]) for p in predecessors]
    frame = areas_frame([area(c, "gemeente", gemeente=c) for c in (code, *predecessors)])
    row = _rate(run_compute(observations_frame(rows), frame, [RATE], mergers), code, year)
    expected = sum(population[(p, year)] for p in predecessors)
    assert row["denominator"] == expected
    assert row["value"] == pytest.approx(1000 * 1000 / expected, rel=1e-12)
    assert row["approximate"]  # the received part of the split-up is not in the sum
