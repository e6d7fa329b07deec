# SPDX-License-Identifier: EUPL-1.2
"""Progress reporting for long work: a callback the edge turns into a progress bar."""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(step, done, total)``: the name of the current step and how far the work is.
Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    """The callback that reports nothing (tests, --json output)."""
    del step, done, total
