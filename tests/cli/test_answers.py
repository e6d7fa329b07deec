# SPDX-License-Identifier: EUPL-1.2
"""``status`` and ``indicator`` answer from what they printed before for the same data state
(``services.answers``): the same output, without pandas or Ibis; a data change, another
programme or a damaged file means computing again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from veiligstad.cli.common import Answers
from veiligstad.cli.main import app
from veiligstad.services.answers import SUFFIX, AnswerStore, code_stamp, data_state
from veiligstad.settings import Settings

runner = CliRunner()
COMMANDS = (
    ["status"],
    ["status", "--json"],
    ["indicator", "misdrijven-totaal"],
    ["indicator", "misdrijven-totaal", "--area", "wk093500", "--json"],
)

#: In a fresh interpreter: each command in-process, then which heavy libraries were imported.
CHILD = """
import json, sys
from typer.testing import CliRunner
from veiligstad.cli.main import app
runner = CliRunner()
outputs = []
for args in json.loads(sys.argv[1]):
    result = runner.invoke(app, args)
    outputs.append([result.exit_code, result.stdout])
heavy = sorted(n for n in ("pandas", "ibis", "scipy", "pyarrow", "sqlglot") if n in sys.modules)
print(json.dumps({"outputs": outputs, "heavy": heavy}))
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, loaded_url: str) -> str:
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", loaded_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)
    monkeypatch.delenv("VEILIGSTAD_CATALOGUE", raising=False)
    return loaded_url


def folder(url: str) -> Path:
    return Path(url.removeprefix("duckdb://") + ".snapshots")


def test_a_second_run_prints_the_same_without_pandas(env: str) -> None:
    first = [runner.invoke(app, args) for args in COMMANDS]  # computed (or answered) and stored
    assert [r.exit_code for r in first] == [0, 0, 0, 0], [r.output[-500:] for r in first]
    assert list(folder(env).glob(f"*{SUFFIX}"))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(COMMANDS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "VEILIGSTAD_DATABASE_URL": env},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    child = json.loads(done.stdout.splitlines()[-1])
    assert child["outputs"] == [[0, r.stdout] for r in first]
    assert child["heavy"] == []
    assert "Oordeel over dit thema" in first[0].stdout
    assert json.loads(first[3].stdout)["area"] == "WK093500"


def test_a_data_change_or_another_programme_is_computed_again(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["status", "--json"]).exit_code == 0  # stored for the shared warehouse
    copy = tmp_path / "veiligstad.duckdb"
    shutil.copy(env.removeprefix("duckdb://"), copy)
    shutil.copytree(folder(env), folder(f"duckdb://{copy}"))
    url = f"duckdb://{copy}"
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", url)
    assert Answers(Settings()).get("status") is not None  # the same data: the same answer

    programme = tmp_path / "programma.yaml"
    builtin = Path(__file__).parents[2] / "src/veiligstad/data/programmes/maastricht-2023-2026.yaml"
    programme.write_bytes(builtin.read_bytes() + b"\n")
    monkeypatch.setenv("VEILIGSTAD_PROGRAMME", str(programme))
    assert Answers(Settings()).get("status") is None  # another programme file
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME")

    before = data_state(url)
    with duckdb.connect(str(copy)) as con:  # a source made current again by a bundle
        first = "(SELECT min(batch_id) FROM batches)"
        con.execute(f"UPDATE batches SET replaced_by = 'x' WHERE batch_id = {first}")
    assert data_state(url) not in (None, before)
    assert Answers(Settings()).get("status") is None


def test_data_state_is_none_when_it_cannot_be_read_quickly(tmp_path: Path, env: str) -> None:
    assert data_state(f"duckdb://{tmp_path / 'missing.duckdb'}") is None
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"not a database" * 100)
    assert data_state(f"duckdb://{damaged}") is None
    assert data_state("duckdb://:memory:") is None
    assert data_state("postgresql://localhost/veiligstad") is None
    with duckdb.connect(env.removeprefix("duckdb://")):  # held by a writer (this process)
        assert data_state(env) is None


def test_store_keeps_the_newest_and_ignores_damaged_files(tmp_path: Path) -> None:
    store = AnswerStore(tmp_path / "answers", keep=2)
    keys = [AnswerStore.key(f"{n}#state", "context") for n in range(3)]
    assert len(set(keys)) == 3
    for n, key in enumerate(keys):
        store.save(key, {"status": {"n": n}})
        os.utime(store.path(key), (1_000_000 + n, 1_000_000 + n))
    store.save(keys[2], {"other": {"n": 9}})  # added to the file, not replacing it
    assert store.get(keys[2], "status") == {"n": 2} and store.get(keys[2], "other") == {"n": 9}
    assert store.get(keys[0], "status") is None  # the oldest was removed
    store.path(keys[2]).write_text("{kapot", encoding="utf-8")
    assert store.get(keys[2], "status") is None
    store.save(keys[2], {"status": {"n": 3}})
    assert store.get(keys[2], "status") == {"n": 3}


def test_code_stamp_follows_the_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    first = code_stamp(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.pyc").write_bytes(b"\0")
    assert code_stamp(tmp_path) == first
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "page.py").write_text("y = 1\n")  # a layer the answers do not use
    assert code_stamp(tmp_path) == first
    (tmp_path / "a.py").write_text("x = 22\n")
    assert code_stamp(tmp_path) != first
