# SPDX-License-Identifier: EUPL-1.2
"""Raw observations as stored, and the batches they came from: what the internal pages list.

Indicator values are computed from observations; an analyst checking a figure wants the
rows underneath it, from every source that holds them: the one that counts
(``Warehouse.current_observations``), one overruled by a more recent load of another
source, and earlier versions of a source kept in the history. Nothing here is filtered
by disclosure control: these listings are for logged-in analysts only.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from veiligstad.storage.warehouse import OBSERVATION_SCHEMA, Warehouse

#: Whether a stored observation is the one indicators use.
COUNTS = "telt mee"
OVERRULED = "overschreven door een nieuwere bron"
REPLACED = "vervangen door een nieuwere versie van de bron"

#: Columns of an observation listing, in order.
LISTING_COLUMNS = [
    *OBSERVATION_SCHEMA.names,
    "state",
    "loaded_at",
    "title",
]

#: Columns of the batch history, in order.
BATCH_COLUMNS = [
    "batch_id",
    "source_id",
    "title",
    "kind",
    "table_id",
    "file",
    "file_hash",
    "rows",
    "rows_rejected",
    "history_rows",
    "loaded_at",
    "retrieved_at",
    "loaded_by",
    "replaced_by",
    "current",
    "publisher",
    "attribution",
    "licence",
    "origin",
    "notes",
]


def measures(warehouse: Warehouse) -> list[str]:
    """Every measure with at least one current observation, sorted."""
    obs = warehouse.observations()
    frame = obs.select("measure").distinct().order_by("measure").to_pandas()
    return [str(m) for m in frame["measure"]]


def _matching(table: ir.Table, measure: str, area_code: str | None) -> ir.Table:
    rows = table.filter(table.measure == measure)
    if area_code:
        rows = rows.filter(rows.area_code == area_code)
    return rows


def listing(warehouse: Warehouse, measure: str, area_code: str | None = None) -> pd.DataFrame:
    """Every stored observation of a measure (optionally in one area), current and replaced.

    ``state`` says whether a row counts (``telt mee``), is overruled by a more recently
    loaded source holding the same figure, or belongs to an earlier version of its own
    source (history). Sorted by area, period, and the row that counts first.
    """
    stored = _matching(warehouse.observations(), measure, area_code)
    counting = _matching(warehouse.current_observations(), measure, area_code)
    marks = counting.select(
        c_area=counting.area_code,
        c_period=counting.period,
        c_batch=counting.batch_id,
        counts=ibis.literal(True),
    )
    joined = stored.left_join(
        marks,
        (stored.area_code == marks.c_area)
        & (stored.period == marks.c_period)
        & (stored.batch_id == marks.c_batch),
    )
    current = joined.select(*OBSERVATION_SCHEMA.names, counts=joined.counts.fill_null(False))
    history = _matching(warehouse.history(), measure, area_code)
    history = history.select(*OBSERVATION_SCHEMA.names, counts=ibis.literal(False))
    frame = current.to_pandas()
    frame["state"] = frame.pop("counts").map({True: COUNTS, False: OVERRULED})
    old = history.to_pandas()
    old["state"] = REPLACED
    old = old.drop(columns=["counts"])
    parts = [f for f in (frame, old) if not f.empty]
    rows = pd.concat(parts, ignore_index=True) if parts else frame.iloc[0:0]
    rows = rows.merge(_batch_labels(warehouse), on="batch_id", how="left")
    order = {COUNTS: 0, OVERRULED: 1, REPLACED: 2}
    rows["_order"] = rows["state"].map(order)
    rows = rows.sort_values(["area_code", "year", "period", "_order", "loaded_at"], ascending=True)
    result: pd.DataFrame = rows.drop(columns="_order").reset_index(drop=True)[LISTING_COLUMNS]
    return result


def _batch_labels(warehouse: Warehouse) -> pd.DataFrame:
    batches = warehouse.batches()
    labels: pd.DataFrame = batches.select("batch_id", "loaded_at", "title").to_pandas()
    return labels


def batch_history(warehouse: Warehouse) -> pd.DataFrame:
    """Every import batch, current and replaced, newest first, with its rows in the history."""
    batches = warehouse.batches().to_pandas()
    history = warehouse.history()
    kept = history.group_by("batch_id").aggregate(history_rows=history.count()).to_pandas()
    frame = batches.merge(kept, on="batch_id", how="left")
    frame["history_rows"] = frame["history_rows"].fillna(0).astype("int64")
    frame["current"] = frame["replaced_by"].isna()
    frame = frame.sort_values(["loaded_at", "batch_id"], ascending=[False, True])
    result: pd.DataFrame = frame.reset_index(drop=True)[BATCH_COLUMNS]
    return result
