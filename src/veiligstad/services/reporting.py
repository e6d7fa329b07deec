# SPDX-License-Identifier: EUPL-1.2
"""What a report needs besides the snapshot, gathered from the warehouse in one go.

The snapshot holds the indicator values, the areas and the sources. A report also needs
the provenance of each source (attribution, licence), and depending on its kind the
hotspot analysis of the latest buurt year (Gi*, which reads the warehouse), the emerging
hotspots where the series is long enough, the key figures of the areas, the actions of
the uitvoeringsprogramma (only public ones for a public report) and the author's saved
conclusions of the yearly evaluations. This module reads them; the report
itself is built from the result without any I/O (``veiligstad.reports``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from veiligstad.domain.actions import Action, YearEvaluation
from veiligstad.domain.areas import AreaLevel
from veiligstad.domain.indicators import IndicatorKind
from veiligstad.errors import VeiligstadError
from veiligstad.progress import Progress, no_progress
from veiligstad.services import actions as action_service
from veiligstad.services.snapshot import Snapshot
from veiligstad.storage import actions as action_store
from veiligstad.storage.warehouse import Warehouse

if TYPE_CHECKING:  # PySAL and scipy take seconds to import: only when a report needs them
    from veiligstad.services.emerging import EmergingAnalysis
    from veiligstad.services.hotspots import HotspotAnalysis

#: Batch columns that say where a source comes from and how to cite it.
DETAIL_COLUMNS = ("publisher", "attribution", "licence", "origin")

#: Fewer buurten with a value than this: no hotspot analysis.
MIN_HOTSPOT_AREAS = 3


@dataclass(frozen=True)
class Inputs:
    """The snapshot and everything else a report is built from."""

    snapshot: Snapshot
    details: dict[str, dict[str, str]] = field(default_factory=dict)
    hotspots: HotspotAnalysis | None = None
    hotspot_note: str = ""
    emerging: EmergingAnalysis | None = None
    emerging_note: str = ""
    context: pd.DataFrame | None = None
    actions: tuple[Action, ...] = ()
    evaluations: tuple[YearEvaluation, ...] = ()  # the author's conclusions, newest year first


def source_details(warehouse: Warehouse) -> dict[str, dict[str, str]]:
    """Publisher, attribution, licence and origin of every current batch, by source id."""
    batches = warehouse.batches()
    current = batches.filter(batches.replaced_by.isnull())
    frame = current.select("source_id", *DETAIL_COLUMNS).to_pandas()
    return {
        str(row["source_id"]): {c: "" if pd.isna(row[c]) else str(row[c]) for c in DETAIL_COLUMNS}
        for row in frame.to_dict(orient="records")
    }


def hotspot_target(snapshot: Snapshot, year: int) -> tuple[str, str] | None:
    """The indicator and year for the hotspot map: the rate with the most buurt values in the
    latest year up to ``year`` (programme indicators first); None when no buurt has figures."""
    values = snapshot.values
    buurten = set(snapshot.own_areas(AreaLevel.BUURT.value)["code"])
    rows = values[
        (values["level"] == AreaLevel.BUURT.value)
        & values["area_code"].isin(buurten)
        & values["value"].notna()
        & values["period"].str.fullmatch(r"\d{4}")
        & (values["year"] <= year)
    ]
    order = [i.id for i in snapshot.definitions.indicators()]
    candidates = []
    for indicator_id, found in rows.groupby("indicator_id"):
        indicator = snapshot.indicator(str(indicator_id))
        if indicator is None or indicator.kind is not IndicatorKind.RATE:
            continue
        latest = int(found["year"].max())
        count = int((found["year"] == latest).sum())
        if count >= MIN_HOTSPOT_AREAS:
            candidates.append((latest, count, -order.index(indicator.id), indicator.id))
    if not candidates:
        return None
    latest, _, _, chosen = max(candidates)
    return chosen, str(latest)


def _hotspots(warehouse: Warehouse, snapshot: Snapshot, year: int) -> tuple[HotspotAnalysis | None, str]:
    target = hotspot_target(snapshot, year)
    if target is None:
        return None, f"Er zijn tot en met {year} geen buurtcijfers om hotspots in te zoeken."
    from veiligstad.services import hotspots

    try:
        analysis = hotspots.analyse(
            warehouse, snapshot.definitions, target[0], target[1], municipality=snapshot.municipality
        )
    except VeiligstadError as exc:
        return None, exc.message
    return analysis, ""


def _emerging(snapshot: Snapshot, indicator_id: str, public: bool) -> tuple[EmergingAnalysis | None, str]:
    from veiligstad.services import emerging

    buurten = snapshot.own_areas(AreaLevel.BUURT.value)
    names = {str(c): str(n or c) for c, n in zip(buurten["code"], buurten["name"], strict=True)}
    shapes = {code: json.dumps(snapshot.geometries[code]) for code in names if code in snapshot.geometries}
    try:
        return emerging.analyse(
            snapshot.frame(public), indicator_id, AreaLevel.BUURT.value, names, shapes
        ), ""
    except VeiligstadError as exc:
        return None, exc.message


def actions(warehouse: Warehouse, year: int, public: bool) -> tuple[Action, ...]:
    """The actions of the uitvoeringsprogramma up to ``year`` (only public ones for a public
    report), oldest year first."""
    found = action_service.list_actions(warehouse, public_only=public)
    return tuple(sorted((a for a in found if a.year <= year), key=lambda a: (a.year, a.title)))


def evaluations(warehouse: Warehouse, year: int) -> tuple[YearEvaluation, ...]:
    """The saved yearly evaluations (conclusions and adjustments) up to ``year``, newest first."""
    return tuple(e for e in action_store.load_evaluations(warehouse) if e.year <= year)


def gather(
    warehouse: Warehouse,
    snapshot: Snapshot,
    year: int,
    *,
    hotspots: bool = False,
    context: bool = False,
    public: bool = True,
    progress: Progress = no_progress,
) -> Inputs:
    """Read what a report needs besides the snapshot: hotspots (and emerging hotspots) of the
    latest buurt year up to ``year`` and area key figures only when asked for."""
    steps = 3 + int(hotspots) + int(context)
    progress("bronnen", 0, steps)
    details = source_details(warehouse)
    progress("acties", 1, steps)
    found_actions = actions(warehouse, year, public)
    found_evaluations = evaluations(warehouse, year)
    extra: dict[str, Any] = {}
    done = 2
    if hotspots:
        progress("hotspots", done, steps)
        analysis, note = _hotspots(warehouse, snapshot, year)
        extra.update(hotspots=analysis, hotspot_note=note)
        if analysis is not None:
            found, why = _emerging(snapshot, analysis.indicator.id, public)
            extra.update(emerging=found, emerging_note=why)
        else:
            extra.update(emerging_note=note)
        done += 1
    if context:
        progress("kerncijfers", done, steps)
        from veiligstad.services import profiles

        extra["context"] = profiles.context_observations(warehouse)
        done += 1
    progress("klaar", steps, steps)
    return Inputs(
        snapshot=snapshot,
        details=details,
        actions=found_actions,
        evaluations=found_evaluations,
        **extra,
    )
