# SPDX-License-Identifier: EUPL-1.2
"""The action programme: checks against the programme, audit of every change, YAML import/export."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.actions import Action, ActionStatus, Change, Entity, ProgressNote
from veiligstad.errors import DataError, NotFound
from veiligstad.services import action_files, actions
from veiligstad.services.actions import ActionsError, Conflict
from veiligstad.storage import actions as store
from veiligstad.storage.warehouse import Warehouse

ROOT = Path(__file__).parent.parent.parent
EXAMPLE = ROOT / "examples" / "acties-voorbeeld.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "actions"
NOW = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC)
APP = "voorbeeld-2024-buurtpreventie-app"


@pytest.fixture
def fresh(loaded_url: str, tmp_path: Path) -> Iterator[Warehouse]:
    """A private copy of the loaded warehouse (areas and data), so writes stay in this test."""
    source = Path(loaded_url.removeprefix("duckdb://"))
    target = tmp_path / "copy.duckdb"
    shutil.copy(source, target)
    with Warehouse.open(f"duckdb://{target}") as warehouse:
        yield warehouse


def _action(**changes: object) -> Action:
    data: dict[str, object] = {
        "year": 2025,
        "title": "Extra toezicht uitgaansgebied",
        "themes": ["overlast-veiligheidsbeleving"],
        "indicators": ["schaalscore-overlast"],
        "areas": ["BU09350000"],
        **changes,
    }
    return Action.model_validate(data)


# --------------------------------------------------------------------------- import


def test_import_saves_every_action_and_audits_each(fresh: Warehouse, definitions: Definitions) -> None:
    report = action_files.import_actions(fresh, EXAMPLE, definitions, user="analist", now=NOW)
    assert report.added == [
        APP,
        "voorbeeld-2024-weerbaarheid-ondernemers",
        "voorbeeld-2024-jongerenwerk-avonden",
    ]
    stored = {a.id: a for a in actions.list_actions(fresh)}
    app = stored[APP]
    assert app.year == 2024  # from the file's default year
    assert app.status is ActionStatus.LOPEND and app.planned_start == dt.date(2024, 3, 1)
    assert app.evaluation is not None and app.evaluation.method.value == "voor-na"
    assert not stored["voorbeeld-2024-weerbaarheid-ondernemers"].is_public
    trail = actions.audit_trail(fresh)
    assert len(trail) == 3 and {e.change for e in trail} == {Change.IMPORT}
    entry = next(e for e in trail if e.entity_id == APP)
    assert entry.user == "analist" and entry.at == NOW and entry.before is None
    assert entry.after is not None and entry.after["title"].startswith("Voorbeeld")
    assert entry.note == "import acties-voorbeeld.yaml"


def test_importing_the_same_file_again_changes_nothing(fresh: Warehouse, definitions: Definitions) -> None:
    action_files.import_actions(fresh, EXAMPLE, definitions, user="analist", now=NOW)
    again = action_files.import_actions(fresh, EXAMPLE, definitions, user="analist", now=NOW)
    assert again.added == again.updated == [] and len(again.unchanged) == 3
    assert len(actions.audit_trail(fresh)) == 3


def test_every_problem_is_listed_with_file_item_and_field_and_nothing_is_written(
    fresh: Warehouse, definitions: Definitions
) -> None:
    action_files.import_actions(fresh, EXAMPLE, definitions, user="analist", now=NOW)
    before_actions, before_audit = actions.list_actions(fresh), actions.audit_trail(fresh)
    with pytest.raises(ActionsError) as caught:
        action_files.import_actions(fresh, FIXTURES / "fouten.yaml", definitions, user="analist")
    text = "\n".join(p.render() for p in caught.value.problems)
    first = "fouten.yaml: actie 1 (Actie met fouten)"
    assert f"{first}: themes: onbekend thema 'drugs'" in text and "ondermijnende-criminaliteit" in text
    assert f"{first}: indicators: onbekende indicator 'woninginbraken-per-1000'" in text
    assert f"{first}: areas: onbekende gebiedscode 'BU99999999'" in text
    assert f"{first}: areas: gebied 'BU0363AA01' ligt niet in Maastricht (GM0935)" in text
    assert f"{first}: planned_start: ongeldige datum '2024-02-30'" in text and "JJJJ-MM-DD" in text
    assert f"{first}: status: ongeldige waarde 'bezig'" in text and "gepland" in text
    second = "fouten.yaml: actie 2 (Hoofdletters)"
    assert f"{second}: year: moet een geheel getal zijn" in text
    assert f"{second}: title: moet tekst zijn" in text
    assert f"{second}: themes: mag niet leeg zijn" in text
    assert f"{second}: omschrijving: onbekend veld" in text and "description" in text
    assert f"{second}: id: ongeldige id" in text
    assert "actie 4 (dubbel): id: id 'dubbel' komt ook voor bij actie 3 (dubbel)" not in text  # invalid
    assert "actie 4 (dubbel): planned_end (2024-01-01) ligt vóór planned_start (2024-06-01)" in text
    assert actions.list_actions(fresh) == before_actions and actions.audit_trail(fresh) == before_audit


def test_duplicate_ids_in_one_file_are_a_problem(
    fresh: Warehouse, definitions: Definitions, tmp_path: Path
) -> None:
    path = tmp_path / "dubbel.yaml"
    path.write_text(
        "actions:\n"
        "  - {id: x, year: 2025, title: Eerste, themes: [ondermijnende-criminaliteit]}\n"
        "  - {id: x, year: 2025, title: Tweede, themes: [ondermijnende-criminaliteit]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ActionsError) as caught:
        action_files.import_actions(fresh, path, definitions, user="analist")
    assert [p.code for p in caught.value.problems] == ["duplicate-id"]
    assert "actie 2 (x): id" in caught.value.problems[0].location


@pytest.mark.parametrize("text", ["", "actions: []\n", "- 1\n- 2\n", "title: [unclosed\n"])
def test_empty_or_broken_files_are_one_clear_error(
    fresh: Warehouse, definitions: Definitions, tmp_path: Path, text: str
) -> None:
    path = tmp_path / "leeg.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError):
        action_files.import_actions(fresh, path, definitions, user="analist")
    assert actions.list_actions(fresh) == []


def test_export_round_trips(fresh: Warehouse, definitions: Definitions, tmp_path: Path) -> None:
    action_files.import_actions(fresh, EXAMPLE, definitions, user="analist", now=NOW)
    multi = _action(description="Eerste regel.\nTweede regel: met dubbele punt.", budget_line="6.1")
    actions.save_action(fresh, multi, definitions, user="analist", now=NOW)
    original = actions.list_actions(fresh)
    path = tmp_path / "export.yaml"
    assert action_files.export_actions(fresh, path, now=NOW) == 4
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Uitvoeringsprogramma: 4 actie(s)") and "description: |" in text
    assert "planned_start: 2024-03-01\n" in text  # dates unquoted
    parsed, problems = action_files.parse_actions(path, definitions, actions.area_register(fresh))
    assert problems == [] and sorted(parsed, key=lambda a: a.id) == sorted(original, key=lambda a: a.id)
    report = action_files.import_actions(fresh, path, definitions, user="analist")
    assert len(report.unchanged) == 4
    only = tmp_path / "2025.yaml"
    assert action_files.export_actions(fresh, only, year=2025) == 1


def test_prune_deletes_actions_of_the_file_years_that_the_file_no_longer_lists(
    fresh: Warehouse, definitions: Definitions, tmp_path: Path
) -> None:
    action_files.import_actions(fresh, EXAMPLE, definitions, user="analist", now=NOW)
    other_year = _action()
    actions.save_action(fresh, other_year, definitions, user="analist", now=NOW)
    path = tmp_path / "kleiner.yaml"
    path.write_text(
        f"actions:\n  - id: {APP}\n    year: 2024\n    title: Alleen deze\n"
        "    themes: [overlast-veiligheidsbeleving]\n",
        encoding="utf-8",
    )
    report = action_files.import_actions(fresh, path, definitions, user="beheerder", prune=True)
    assert report.updated == [APP] and len(report.deleted) == 2
    assert {a.id for a in actions.list_actions(fresh)} == {APP, other_year.id}
    deletes = [e for e in actions.audit_trail(fresh) if e.change is Change.DELETE]
    assert len(deletes) == 2 and all("niet meer in het bestand" in e.note for e in deletes)


# --------------------------------------------------------------------------- save, delete, audit


def test_create_update_delete_are_audited_with_user_and_before_after(
    fresh: Warehouse, definitions: Definitions
) -> None:
    created = actions.save_action(fresh, _action(), definitions, user="analist", now=NOW)
    assert created.change is Change.CREATE
    later = NOW + dt.timedelta(hours=1)
    changed = _action(status="lopend")
    updated = actions.save_action(
        fresh,
        changed,
        definitions,
        user="beheerder",
        now=later,
        expected_version=actions.version(created.action),
    )
    assert updated.change is Change.UPDATE
    assert actions.save_action(fresh, changed, definitions, user="analist").change is None  # unchanged
    actions.delete_action(fresh, changed.id, user="beheerder", now=later + dt.timedelta(hours=1))
    trail = actions.audit_trail(fresh, Entity.ACTION, changed.id)
    assert [e.change for e in trail] == [Change.DELETE, Change.UPDATE, Change.CREATE]  # newest first
    delete, update, create = trail
    assert create.user == "analist" and create.before is None and create.after is not None
    assert update.user == "beheerder" and update.changed_fields() == ["status"]
    assert update.before is not None and update.before["status"] == "gepland"
    assert update.after is not None and update.after["status"] == "lopend"
    assert delete.after is None and delete.before is not None and delete.before["status"] == "lopend"
    frame = actions.audit_frame(trail)
    assert list(frame["wijziging"]) == ["delete", "update", "create"]
    assert frame["tijdstip_utc"].iloc[2] == "2025-01-10T12:00:00Z" and frame["velden"].iloc[1] == "status"


def test_saving_checks_references_and_writes_nothing_on_a_problem(
    fresh: Warehouse, definitions: Definitions
) -> None:
    with pytest.raises(ActionsError) as caught:
        actions.save_action(fresh, _action(themes=["drugs"], areas=["GM0363"]), definitions, user="analist")
    assert {p.code for p in caught.value.problems} == {"unknown-theme", "area-outside-municipality"}
    assert actions.list_actions(fresh) == [] and actions.audit_trail(fresh) == []


def test_a_concurrent_edit_is_refused(fresh: Warehouse, definitions: Definitions) -> None:
    saved = actions.save_action(fresh, _action(), definitions, user="analist").action
    token = actions.version(saved)
    actions.save_action(fresh, _action(status="lopend"), definitions, user="beheerder")
    with pytest.raises(Conflict):
        actions.save_action(
            fresh, _action(status="afgerond"), definitions, user="analist", expected_version=token
        )
    with pytest.raises(ActionsError):
        actions.save_action(fresh, _action(), definitions, user="analist", create_only=True)


def test_progress_notes_are_added_as_an_update(fresh: Warehouse, definitions: Definitions) -> None:
    saved = actions.save_action(fresh, _action(), definitions, user="analist").action
    note = ProgressNote(date=dt.date(2025, 3, 1), text="Eerste avond gedraaid", author="analist")
    after = actions.add_progress(fresh, saved.id, note, definitions, user="analist")
    assert after.progress == [note]
    latest = actions.audit_trail(fresh)[0]
    assert (
        latest.change is Change.UPDATE
        and latest.changed_fields() == ["progress"]
        and latest.note == "voortgang"
    )


def test_unknown_actions_are_not_found(fresh: Warehouse) -> None:
    with pytest.raises(NotFound):
        actions.get_action(fresh, "bestaat-niet")
    with pytest.raises(NotFound):
        actions.delete_action(fresh, "bestaat-niet", user="analist")
    assert store.load_audit(fresh) == []


# --------------------------------------------------------------------------- filters


def test_select_by_year_theme_indicator_area_and_publicity(
    fresh: Warehouse, definitions: Definitions
) -> None:
    action_files.import_actions(fresh, EXAMPLE, definitions, user="analist", now=NOW)
    all_actions = actions.list_actions(fresh)
    assert actions.years(all_actions) == [2024]

    def ids(**kwargs: object) -> set[str]:
        return {a.id for a in actions.select(all_actions, **kwargs)}  # type: ignore[arg-type]

    assert ids(theme="ondermijnende-criminaliteit") == {"voorbeeld-2024-weerbaarheid-ondernemers"}
    assert ids(indicator="halt-verwijzingen") == {"voorbeeld-2024-jongerenwerk-avonden"}
    assert ids(year=2023) == set()
    assert "voorbeeld-2024-weerbaarheid-ondernemers" not in ids(public_only=True)
    areas = fresh.areas().drop("geometry").to_pandas()
    # The buurt Jekerkwartier lies in wijk Centrum (WK093500): both its own and its wijk's actions.
    jeker = actions.related_areas(areas, "bu09350001")
    assert {"BU09350001", "WK093500", "SD093501"} <= jeker and "GM0935" not in jeker
    assert ids(areas=jeker) == {APP, "voorbeeld-2024-weerbaarheid-ondernemers"}
    # The gemeente finds every action in an area inside it.
    assert ids(areas=actions.related_areas(areas, "GM0935")) == {a.id for a in all_actions}


def test_actions_table_for_downloads(fresh: Warehouse, definitions: Definitions) -> None:
    action_files.import_actions(fresh, EXAMPLE, definitions, user="analist", now=NOW)
    frame = actions.actions_frame(actions.list_actions(fresh))
    assert list(frame.columns) == actions.ACTION_COLUMNS and len(frame) == 3
    row = frame[frame["id"] == APP].iloc[0]
    assert row["laatste_voortgang"].startswith("2024-06-30: Fictief") and row["evaluatiemethode"] == "voor-na"
