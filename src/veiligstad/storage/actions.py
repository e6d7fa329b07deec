# SPDX-License-Identifier: EUPL-1.2
"""The tables ``actions``, ``evaluations`` and ``audit_log``.

Each action and evaluation is kept whole as JSON text (``record``) beside the key columns
that queries filter on. The tables are created on first use, like ``documents``.

Every write goes through ``write``: the new records and their audit entries are staged in
scratch tables and landed in one backend transaction, so a record never changes without
its audit entry, and an import of many actions is saved completely or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from veiligstad.domain.actions import Action, AuditEntry, Change, Entity, YearEvaluation
from veiligstad.errors import WarehouseError
from veiligstad.storage.schema import (
    ACTION_SCHEMA as ACTION_SCHEMA,
)
from veiligstad.storage.schema import (
    ACTIONS as ACTIONS,
)
from veiligstad.storage.schema import (
    AUDIT_LOG as AUDIT_LOG,
)
from veiligstad.storage.schema import (
    AUDIT_SCHEMA as AUDIT_SCHEMA,
)
from veiligstad.storage.schema import (
    EVALUATION_SCHEMA as EVALUATION_SCHEMA,
)
from veiligstad.storage.schema import (
    EVALUATIONS as EVALUATIONS,
)
from veiligstad.storage.warehouse import Warehouse

#: The three tables of this module (``storage.schema`` lists every table of the warehouse).
TABLES = {ACTIONS: ACTION_SCHEMA, EVALUATIONS: EVALUATION_SCHEMA, AUDIT_LOG: AUDIT_SCHEMA}


class StaleRecord(WarehouseError):
    """An action changed (or appeared, or disappeared) between reading it and writing it: the
    write was refused, nothing was written (an optimistic version check)."""

    def __init__(self, action_id: str) -> None:
        super().__init__(
            f"De actie '{action_id}' is intussen door iemand anders gewijzigd of verwijderd.",
            hint="Open de actie opnieuw, neem de wijzigingen over en sla dan op.",
        )
        self.action_id = action_id


def ensure_tables(warehouse: Warehouse) -> None:
    """Create the three tables when they do not exist yet (one thread at a time)."""
    if set(TABLES) <= set(warehouse.con.list_tables()):
        return
    with warehouse.write_lock():
        existing = set(warehouse.con.list_tables())
        for name, schema in TABLES.items():
            if name not in existing:
                warehouse.con.create_table(name, schema=schema)


def _columns(schema: ibis.Schema) -> str:
    return ", ".join(f'"{name}"' for name in schema.names)


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=False)


def _action_row(action: Action, at: dt.datetime, user: str) -> dict[str, Any]:
    return {
        "id": action.id,
        "year": action.year,
        "status": action.status.value,
        "title": action.title,
        "themes": _json(action.themes),
        "indicators": _json(action.indicators),
        "areas": _json(action.areas),
        "confidentiality": action.confidentiality.value,
        "record": action.model_dump_json(),
        "updated_at": at,
        "updated_by": user,
    }


def _evaluation_row(evaluation: YearEvaluation, at: dt.datetime, user: str) -> dict[str, Any]:
    return {"year": evaluation.year, "record": evaluation.model_dump_json(), "saved_at": at, "saved_by": user}


def _audit_row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "user": entry.user,
        "entity": entry.entity.value,
        "entity_id": entry.entity_id,
        "change": entry.change.value,
        "before": None if entry.before is None else _json(entry.before),
        "after": None if entry.after is None else _json(entry.after),
        "note": entry.note,
    }


class _Landing:
    """Staged rows and the statements that land them; run them in one transaction."""

    def __init__(self, warehouse: Warehouse, expected: Mapping[str, Action | None] | None = None) -> None:
        self.warehouse = warehouse
        self.statements: list[str] = []
        self.stages: list[str] = []
        self.expected = dict(expected or {})

    def _stage(self, rows: pa.Table) -> str:
        name = self.warehouse.stage(rows)
        self.stages.append(name)
        return name

    def remove(self, table: str, schema: ibis.Schema, key: str, keys: Sequence[Any]) -> None:
        """Delete the rows whose key is one of ``keys``."""
        if keys:
            stage = self._stage(pa.table({key: pa.array(list(keys), type=schema[key].to_pyarrow())}))
            self.statements.append(f'DELETE FROM {table} WHERE "{key}" IN (SELECT "{key}" FROM {stage})')

    def insert(self, table: str, schema: ibis.Schema, rows: list[dict[str, Any]]) -> None:
        """Insert the rows."""
        if rows:
            stage = self._stage(pa.Table.from_pylist(rows, schema=schema.to_pyarrow()))
            columns = _columns(schema)
            self.statements.append(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage}")

    def _check(self) -> None:
        """Compare the stored actions with ``expected`` (inside the transaction)."""
        if not self.expected:
            return
        keys = ", ".join("'" + key.replace("'", "''") + "'" for key in self.expected)
        cursor = self.warehouse.con.raw_sql(f"SELECT id, record FROM {ACTIONS} WHERE id IN ({keys})")
        stored = {str(key): Action.model_validate_json(record) for key, record in cursor.fetchall()}
        for key, action in self.expected.items():
            if stored.get(key) != action:
                raise StaleRecord(key)

    def commit(self) -> None:
        """Run every statement in one transaction, then drop the scratch tables."""
        try:
            with self.warehouse.transaction():
                self._check()
                for statement in self.statements:
                    self.warehouse.con.raw_sql(statement)
        finally:
            for name in self.stages:
                self.warehouse.drop(name)


def write(
    warehouse: Warehouse,
    audit: Sequence[AuditEntry],
    *,
    actions: Sequence[Action] = (),
    deleted_actions: Sequence[str] = (),
    evaluations: Sequence[YearEvaluation] = (),
    expected: Mapping[str, Action | None] | None = None,
) -> None:
    """Insert or replace actions and evaluations, delete actions, and record the audit entries,
    all in one transaction. Each entry's ``at`` and ``user`` stamp the record it is about.

    ``expected`` (action id: the action as the caller read it, ``None`` for "did not exist") is
    checked inside the transaction, which writers take one at a time (on PostgreSQL across
    processes): when a stored action differs, ``StaleRecord`` is raised and nothing is written,
    so a save based on an outdated read never overwrites someone else's change."""
    ensure_tables(warehouse)
    stamps = {(entry.entity, entry.entity_id): entry for entry in audit}

    def stamp(entity: Entity, entity_id: str) -> tuple[dt.datetime, str]:
        entry = stamps.get((entity, entity_id))
        return (entry.at, entry.user) if entry else (dt.datetime.now(dt.UTC), "")

    action_rows = [_action_row(a, *stamp(Entity.ACTION, a.id)) for a in actions]
    evaluation_rows = [_evaluation_row(e, *stamp(Entity.EVALUATION, str(e.year))) for e in evaluations]
    landing = _Landing(warehouse, expected)
    landing.remove(ACTIONS, ACTION_SCHEMA, "id", [row["id"] for row in action_rows] + list(deleted_actions))
    landing.insert(ACTIONS, ACTION_SCHEMA, action_rows)
    landing.remove(EVALUATIONS, EVALUATION_SCHEMA, "year", [row["year"] for row in evaluation_rows])
    landing.insert(EVALUATIONS, EVALUATION_SCHEMA, evaluation_rows)
    landing.insert(AUDIT_LOG, AUDIT_SCHEMA, [_audit_row(entry) for entry in audit])
    landing.commit()


def load_actions(warehouse: Warehouse) -> list[Action]:
    """All actions: newest year first, then by title."""
    ensure_tables(warehouse)
    table = warehouse.table(ACTIONS)
    frame = table.order_by([ibis.desc("year"), "title", "id"]).select("record").to_pandas()
    return [Action.model_validate_json(text) for text in frame["record"]]


def load_action(warehouse: Warehouse, action_id: str) -> Action | None:
    """One action by id, or None."""
    ensure_tables(warehouse)
    table = warehouse.table(ACTIONS)
    frame = table.filter(table.id == action_id).select("record").to_pandas()
    return None if frame.empty else Action.model_validate_json(frame["record"].iloc[0])


def load_evaluations(warehouse: Warehouse) -> list[YearEvaluation]:
    """Every saved year evaluation, newest year first."""
    ensure_tables(warehouse)
    frame = warehouse.table(EVALUATIONS).order_by(ibis.desc("year")).select("record").to_pandas()
    return [YearEvaluation.model_validate_json(text) for text in frame["record"]]


def load_evaluation(warehouse: Warehouse, year: int) -> YearEvaluation | None:
    """The saved evaluation of one year, or None."""
    ensure_tables(warehouse)
    table = warehouse.table(EVALUATIONS)
    frame = table.filter(table.year == year).select("record").to_pandas()
    return None if frame.empty else YearEvaluation.model_validate_json(frame["record"].iloc[0])


def _utc(value: Any) -> dt.datetime:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    moment: dt.datetime = stamp.to_pydatetime()
    return moment


def _parsed(text: Any) -> dict[str, Any] | None:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    data: dict[str, Any] = json.loads(str(text))
    return data


def load_audit(
    warehouse: Warehouse, entity: Entity | None = None, entity_id: str | None = None
) -> list[AuditEntry]:
    """Audit entries, newest first; optionally of one entity kind and id."""
    ensure_tables(warehouse)
    table = warehouse.table(AUDIT_LOG)
    if entity is not None:
        table = table.filter(table.entity == entity.value)
    if entity_id is not None:
        table = table.filter(table.entity_id == entity_id)
    frame = table.order_by([ibis.desc("at"), "entity", "entity_id"]).to_pandas()
    return [
        AuditEntry(
            at=_utc(row["at"]),
            user=str(row["user"] or ""),
            entity=Entity(row["entity"]),
            entity_id=str(row["entity_id"]),
            change=Change(row["change"]),
            before=_parsed(row["before"]),
            after=_parsed(row["after"]),
            note=str(row["note"] or ""),
        )
        for row in frame.to_dict(orient="records")
    ]
