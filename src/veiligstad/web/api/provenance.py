# SPDX-License-Identifier: EUPL-1.2
"""Where a figure comes from: the sources and import batches of its numerator and denominator.

The snapshot holds the values with ``numerator_source`` (the measures summed into the
numerator). The batches behind them are looked up once per snapshot with a short-lived
warehouse connection: per measure, period and area level, the current observations' source
and batch. A value rolled up from buurten (a wijk, a stadsdeel) has no observations at its own
level; its sources are those of the measure and period at buurt level, where it was summed
from (and, failing that, at any level).
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import Request

from veiligstad.domain.areas import AreaLevel
from veiligstad.services.snapshot import Snapshot
from veiligstad.services.warehouses import Warehouse
from veiligstad.web.api.memo import memoised
from veiligstad.web.api.warehouse import short_lived

MEMO = "api-provenance"

Batch = tuple[str, str]  # (source_id, batch_id)


class SourceIndex:
    """Batches per (measure, period, level) and per (measure, period)."""

    def __init__(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        self.by_level: dict[tuple[str, str, str], set[Batch]] = defaultdict(set)
        self.by_period: dict[tuple[str, str], set[Batch]] = defaultdict(set)
        for measure, period, level, source_id, batch_id in rows:
            self.by_level[(measure, period, level)].add((source_id, batch_id))
            self.by_period[(measure, period)].add((source_id, batch_id))

    def batches(self, measures: list[str], period: str, level: str) -> list[Batch]:
        """The batches of these measures in this period: at the level, else those summed into it."""
        found: set[Batch] = set()
        for measure in measures:
            found |= (
                self.by_level.get((measure, period, level))
                or self.by_level.get((measure, period, AreaLevel.BUURT.value))
                or self.by_period.get((measure, period), set())
            )
        return sorted(found)


def _read(warehouse: Warehouse) -> SourceIndex:
    obs = warehouse.current_observations()
    areas = warehouse.areas()
    areas = areas.select(a_code=areas.code, a_level=areas.level)
    joined = obs.join(areas, obs.area_code == areas.a_code)
    frame = joined.select("measure", "period", "a_level", "source_id", "batch_id").distinct().to_pandas()
    rows = [
        (str(measure), str(period), str(level), str(source), str(batch))
        for measure, period, level, source, batch in frame.itertuples(index=False)
    ]
    return SourceIndex(rows)


def index(snapshot: Snapshot, request: Request) -> SourceIndex:
    """The source index of this snapshot (read once; 503 while the warehouse is locked)."""

    def build() -> SourceIndex:
        with short_lived(request) as warehouse:
            return _read(warehouse)

    return memoised(snapshot, (MEMO,), SourceIndex, build)
