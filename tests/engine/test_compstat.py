# SPDX-License-Identifier: EUPL-1.2
"""CompStat windows on constructed monthly counts, provisional months excluded."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from veiligstad.engine.compstat import Month, compstat, shift, window
from veiligstad.engine.dispersion import POISSON, Dispersion
from veiligstad.engine.significance import Signal, compare_counts


def months(first: tuple[int, int], counts: Sequence[float | None], **kwargs: object) -> list[Month]:
    out = []
    key = first
    for count in counts:
        out.append(Month(key[0], key[1], count, **kwargs))  # type: ignore[arg-type]
        key = shift(key, 1)
    return out


def test_windows_end_at_the_last_complete_month() -> None:
    series = months((2022, 1), [30.0] * 26)  # 2022-01 .. 2024-02
    series += [Month(2024, 3, 5.0, provisional=True), Month(2024, 4, 1.0, provisional=True)]
    result = compstat(series, POISSON)
    assert result.last_complete == (2024, 2)
    assert result.provisional == ((2024, 3), (2024, 4))
    by_kind = {b.kind: b for b in result.blocks}
    assert by_kind["maand"].current.label == "2024-02"
    assert by_kind["maand"].previous.label == "2024-01"
    assert by_kind["jaar-tot-nu"].current.label == "2024-01 t/m 2024-02"
    assert by_kind["jaar-tot-nu"].previous.label == "2023-01 t/m 2023-02"
    assert by_kind["12-maanden"].current.label == "2023-03 t/m 2024-02"
    assert by_kind["12-maanden"].previous.label == "2022-03 t/m 2023-02"
    assert by_kind["12-maanden"].current.count == 360.0
    # The provisional low months are not a fall: equal counts, no signal.
    for block in result.blocks:
        assert block.comparison.signal is Signal.NO_CHANGE


def test_exposure_is_days_so_february_is_not_a_fall() -> None:
    # One event a day: 29 in February 2024, 31 in January.
    series = [Month(2024, 1, 31.0), Month(2024, 2, 29.0)]
    block = compstat(series, POISSON).blocks[0]
    assert block.current.days == 29 and block.previous.days == 31
    assert block.comparison == compare_counts(31.0, 31, 29.0, 29, POISSON)
    assert block.comparison.p_value == pytest.approx(1.0, abs=0.01)


def test_exposure_includes_population_when_known() -> None:
    series = [Month(2023, 12, 100.0, population=100_000), Month(2024, 1, 100.0, population=200_000)]
    block = compstat(series, POISSON).blocks[0]
    assert block.current.exposure == 31 * 200_000
    assert block.comparison.signal is Signal.FELL  # same count, twice the people


def test_the_dispersion_passed_is_used() -> None:
    series = months((2022, 1), [20.0] * 12 + [30.0] * 12)
    yearly = Dispersion(8.0, "eigen reeks", "eigen reeks 2014–2023, 10 jaar", 8)
    by_kind = {b.kind: b for b in compstat(series, yearly).blocks}
    rolling = by_kind["12-maanden"].comparison
    assert rolling.phi == 8.0 and "eigen reeks" in rolling.phi_source
    assert rolling.signal is Signal.NO_CHANGE  # 240 → 360 is within φ = 8 noise at t(8)


def test_significant_rise_in_rolling_year() -> None:
    series = months((2022, 1), [20.0] * 12 + [30.0] * 12)
    by_kind = {b.kind: b for b in compstat(series, POISSON).blocks}
    assert by_kind["12-maanden"].comparison.signal is Signal.ROSE
    assert by_kind["12-maanden"].relative == pytest.approx(0.5)
    assert by_kind["jaar-tot-nu"].comparison.signal is Signal.ROSE
    assert by_kind["maand"].comparison.signal is Signal.NO_CHANGE


def test_missing_or_withheld_months_give_too_little() -> None:
    series = months((2023, 1), [10.0, None, 10.0] + [10.0] * 10)  # 2023-01 .. 2024-01
    by_kind = {b.kind: b for b in compstat(series, POISSON).blocks}
    assert by_kind["maand"].comparison.signal is Signal.NO_CHANGE
    assert by_kind["jaar-tot-nu"].comparison.signal is Signal.NO_CHANGE  # January only
    rolling = by_kind["12-maanden"]
    assert rolling.current.count is None and (2023, 2) in rolling.current.missing
    assert "2023-02" in rolling.comparison.reason


def test_a_provisional_month_inside_a_window_is_not_counted() -> None:
    series = months((2023, 1), [10.0] * 13)
    series[5] = Month(2023, 6, 10.0, provisional=True)
    w = window({m.key: m for m in series}, (2023, 1), (2023, 12))
    assert w.count is None and w.missing == ((2023, 6),)


def test_only_provisional_months() -> None:
    result = compstat([Month(2024, 1, 3.0, provisional=True)], POISSON)
    assert result.last_complete is None and result.blocks == [] and result.reason
