# SPDX-License-Identifier: EUPL-1.2
"""The actions, evaluations and audit_log tables: created on first use, written atomically."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from veiligstad.domain.actions import (
    Action,
    AuditEntry,
    Change,
    Entity,
    ProgressNote,
    ThemeConclusion,
    YearEvaluation,
)
from veiligstad.storage import actions as store
from veiligstad.storage.warehouse import STAGE_PREFIX, Warehouse

AT = dt.datetime(2025, 1, 10, 12, 30, tzinfo=dt.UTC)


@pytest.fixture
def opened(empty_url: str) -> Iterator[Warehouse]:
    with Warehouse.open(empty_url) as warehouse:
        warehouse.ensure_schema()
        yield warehouse


def _action(**changes: Any) -> Action:
    data: dict[str, Any] = {
        "year": 2024,
        "title": "Voorbeeldactie",
        "themes": ["ondermijnende-criminaliteit"],
        "areas": ["WK093500"],
        "progress": [ProgressNote(date=dt.date(2024, 5, 1), text="gestart", author="analist")],
        **changes,
    }
    return Action(**data)


def _entry(action: Action, change: Change, before: Action | None = None) -> AuditEntry:
    return AuditEntry(
        AT,
        "analist",
        Entity.ACTION,
        action.id,
        change,
        None if before is None else before.model_dump(mode="json"),
        action.model_dump(mode="json"),
    )


def test_tables_are_created_on_first_use(opened: Warehouse) -> None:
    assert store.load_actions(opened) == []
    assert set(store.TABLES) <= set(opened.con.list_tables())


def test_actions_round_trip_with_key_columns_and_the_record(opened: Warehouse) -> None:
    first, second = _action(), _action(year=2023, title="Oudere actie")
    store.write(
        opened, [_entry(first, Change.CREATE), _entry(second, Change.CREATE)], actions=[first, second]
    )
    assert store.load_actions(opened) == [first, second]  # newest year first
    assert store.load_action(opened, first.id) == first and store.load_action(opened, "nope") is None
    row = opened.table(store.ACTIONS).filter(lambda t: t.id == first.id).to_pandas().iloc[0]
    assert row["year"] == 2024 and row["themes"] == '["ondermijnende-criminaliteit"]'
    assert row["updated_by"] == "analist" and row["updated_at"].tz is not None


def test_replace_and_delete_keep_one_row_per_id_and_log_every_change(opened: Warehouse) -> None:
    first = _action()
    store.write(opened, [_entry(first, Change.CREATE)], actions=[first])
    changed = _action(status="lopend")
    store.write(opened, [_entry(changed, Change.UPDATE, first)], actions=[changed])
    assert store.load_actions(opened) == [changed]
    gone = AuditEntry(
        AT, "beheerder", Entity.ACTION, first.id, Change.DELETE, changed.model_dump(mode="json"), None
    )
    store.write(opened, [gone], deleted_actions=[first.id])
    assert store.load_actions(opened) == []
    trail = store.load_audit(opened, Entity.ACTION, first.id)
    assert len(trail) == 3
    assert {e.change for e in trail} == {Change.CREATE, Change.UPDATE, Change.DELETE}
    deleted = next(e for e in trail if e.change is Change.DELETE)
    assert deleted.after is None and deleted.before is not None and deleted.before["status"] == "lopend"
    assert deleted.user == "beheerder" and deleted.at == AT


def test_a_failed_write_leaves_neither_record_nor_audit_entry(
    opened: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = _action()
    original = opened.con.raw_sql

    def failing(sql: str, *args: Any, **kwargs: Any) -> Any:
        if isinstance(sql, str) and sql.startswith(f"INSERT INTO {store.AUDIT_LOG}"):
            raise RuntimeError("disk full")
        return original(sql, *args, **kwargs)

    monkeypatch.setattr(opened.con, "raw_sql", failing)
    with pytest.raises(RuntimeError):
        store.write(opened, [_entry(action, Change.CREATE)], actions=[action])
    monkeypatch.undo()
    assert store.load_actions(opened) == [] and store.load_audit(opened) == []
    assert not [t for t in opened.con.list_tables() if t.startswith(STAGE_PREFIX)]


def test_evaluations_are_kept_per_year(opened: Warehouse) -> None:
    evaluation = YearEvaluation(
        year=2024,
        summary="Samenvatting",
        themes=[ThemeConclusion(theme="a", conclusion="c")],
        author="analist",
    )
    entry = AuditEntry(
        AT, "analist", Entity.EVALUATION, "2024", Change.CREATE, None, evaluation.model_dump(mode="json")
    )
    store.write(opened, [entry], evaluations=[evaluation])
    again = evaluation.model_copy(update={"summary": "Nieuw"})
    store.write(opened, [entry], evaluations=[again])
    assert store.load_evaluation(opened, 2024) == again and store.load_evaluation(opened, 2023) is None
    assert store.load_evaluations(opened) == [again]


def test_every_audit_entry_changes_the_warehouse_state(opened: Warehouse) -> None:
    """The dashboard's snapshot (and its page cache) is keyed by the state: an edit must show."""
    before = opened.state()
    action = _action()
    store.write(opened, [_entry(action, Change.CREATE)], actions=[action])
    assert opened.state() != before


def test_a_write_based_on_an_outdated_read_is_refused_and_writes_nothing(opened: Warehouse) -> None:
    """The optimistic check runs inside the write transaction (on both backends)."""
    action = _action()
    store.write(opened, [_entry(action, Change.CREATE)], actions=[action], expected={action.id: None})
    mine = action.model_copy(update={"title": "Mijn versie"})
    theirs = action.model_copy(update={"title": "Hun versie"})
    read = {action.id: action}
    store.write(opened, [_entry(theirs, Change.UPDATE, action)], actions=[theirs], expected=read)
    with pytest.raises(store.StaleRecord, match="intussen door iemand anders gewijzigd"):
        store.write(opened, [_entry(mine, Change.UPDATE, action)], actions=[mine], expected=read)
    with pytest.raises(store.StaleRecord):  # it exists now: a create based on "absent" is stale too
        store.write(opened, [_entry(mine, Change.CREATE)], actions=[mine], expected={action.id: None})
    assert store.load_action(opened, action.id) == theirs
    assert len(store.load_audit(opened)) == 2
