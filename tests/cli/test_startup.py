# SPDX-License-Identifier: EUPL-1.2
"""A quick CLI: ``--help`` of every command loads none of the heavy libraries, and the
start-up benchmark (``benchmarks/cli_startup.py``) runs at a tiny scale."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "ibis", "duckdb", "altair", "weasyprint", "geopandas", "pyarrow", "shapely", "httpx")

#: In a fresh interpreter: ``--help`` of the main command and of every (sub)command, then
#: which heavy libraries were imported.
CHILD = """
import json, sys
import typer
from typer.testing import CliRunner
from veiligstad.cli.main import app

def paths(command, prefix):
    yield prefix
    for name, sub in sorted(getattr(command, "commands", {}).items()):  # a group's commands
        yield from paths(sub, [*prefix, name])

runner = CliRunner()
failed = []
every = list(paths(typer.main.get_command(app), []))
for path in every:
    result = runner.invoke(app, [*path, "--help"])
    if result.exit_code != 0 or "Usage" not in result.output:
        failed.append([path, result.exit_code, result.output[-300:]])
heavy = sorted(name for name in HEAVY if name in sys.modules)
print(json.dumps({"commands": [" ".join(p) for p in every], "failed": failed, "heavy": heavy}))
"""


def child(code: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{code}"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_help_of_every_command_loads_no_heavy_library() -> None:
    result = child(CHILD)
    commands = result["commands"]
    assert isinstance(commands, list)
    expected = {"", "status", "indicator", "import cbs", "export bundle", "sources add", "update"}
    assert expected <= set(commands)
    assert result["failed"] == []
    assert result["heavy"] == []


#: What ``veiligstad --help`` does not load: the settings (pydantic, pydantic-settings: ≈ 0.1-0.2 s
#: of a 0.5 s goal) are read when a command runs. ``--help`` of a command with options loads
#: pydantic anyway (Typer checks option values with it), but not the settings.
SETTINGS = ("pydantic_settings", "veiligstad.settings", "veiligstad.domain.documents", "rich.progress")
LIGHT_CHILD = """
import json, sys
from typer.testing import CliRunner
from veiligstad.cli.main import app

runner = CliRunner()
main = runner.invoke(app, ["--help"])
pydantic = "pydantic" in sys.modules
results = [main, *(runner.invoke(app, [name, "--help"]) for name in ("status", "indicator"))]
print(json.dumps({
    "codes": [r.exit_code for r in results],
    "usage": ["Usage" in r.output for r in results],
    "pydantic": pydantic,
    "loaded": sorted(name for name in SETTINGS if name in sys.modules),
}))
"""


def test_help_does_not_load_the_settings() -> None:
    result = child(f"SETTINGS = {SETTINGS!r}\n{LIGHT_CHILD}")
    assert result["codes"] == [0, 0, 0]
    assert result["usage"] == [True, True, True]
    assert result["pydantic"] is False
    assert result["loaded"] == []


def test_confidentiality_choices_are_the_domain_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """``sources --confidentiality`` offers a copy of the domain's values (so that ``--help`` needs
    no pydantic) and hands the domain's member on: the search compares by identity."""
    from veiligstad.cli import sources
    from veiligstad.domain.documents import Confidentiality
    from veiligstad.services import documents as document_service

    assert [c.value for c in sources.ConfidentialityChoice] == [c.value for c in Confidentiality]
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)
    monkeypatch.setattr(sources, "open_warehouse", lambda *_args, **_kwargs: nullcontext())
    asked: list[object] = []

    def find_documents(*args: object) -> list[object]:
        asked.append(args[-1])
        return []

    monkeypatch.setattr(document_service, "find_documents", find_documents)
    result = CliRunner().invoke(app, ["sources", "--confidentiality", "vertrouwelijk"])
    assert result.exit_code == 0, result.output
    assert "Geen documenten gevonden" in result.output
    assert len(asked) == 1 and asked[0] is Confidentiality.VERTROUWELIJK
    assert CliRunner().invoke(app, ["sources"]).exit_code == 0
    assert asked[1:] == [None]


def test_a_command_still_loads_what_it_needs() -> None:
    """The guard above is not vacuous: the names it looks for are what a real command imports."""
    result = child(
        "import json, sys\n"
        "from veiligstad.cli import main\n"
        "from veiligstad.services import monitor, warehouses\n"
        "print(json.dumps({'heavy': sorted(n for n in HEAVY if n in sys.modules)}))"
    )
    heavy = result["heavy"]
    assert isinstance(heavy, list)
    assert {"pandas", "ibis", "duckdb"} <= set(heavy)


def test_the_startup_benchmark_runs_and_help_is_quick(
    tmp_path: Path, loaded_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One warm run of each of three commands on the shared warehouse (its answers stored first,
    in this process), with wall and CPU seconds and the load average in the report."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import cli_startup
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", loaded_url)
    monkeypatch.delenv("VEILIGSTAD_PROGRAMME", raising=False)
    monkeypatch.delenv("VEILIGSTAD_CATALOGUE", raising=False)
    assert CliRunner().invoke(app, ["status"]).exit_code == 0  # stored (or found stored)
    database = Path(loaded_url.removeprefix("duckdb://"))
    env = cli_startup.prepare(database, tmp_path, timeout=300, init=False)
    assert env["PYTHONPYCACHEPREFIX"] == str(tmp_path / "pycache")
    assert "PYTHONDONTWRITEBYTECODE" not in env
    timings = {t.name: t for t in cli_startup.measure(["baseline", "help", "status"], env, 1, 300)}
    assert set(timings) == {"baseline", "help", "status"}
    assert all(len(t.seconds) == len(t.cpu) == 1 and t.seconds[0] > 0 for t in timings.values())
    assert all(0 < t.cpu[0] < 60 for t in timings.values())
    assert any((tmp_path / "pycache").rglob("*.pyc"))  # the children wrote their bytecode cache
    # The goals are 0.5 s and 1.5 s; the shared test machine runs many processes at once (load
    # above 10 on 2 cores stretches every figure 5-10x), so only loose bounds here.
    assert timings["help"].median < 30.0
    assert timings["status"].median < 30.0  # answered from what was stored, not computed
    report = cli_startup.table(list(timings.values()))
    assert "| -m veiligstad --help |" in report and "CPU median s" in report
    assert len(cli_startup.load().split(" / ")) == 3
