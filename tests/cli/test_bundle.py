# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad export bundle`` / ``import bundle``: a fresh warehouse that imports the bundle
exports exactly the same ``veiligstad export indicators`` as the warehouse it came from."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veiligstad.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def source(monkeypatch: pytest.MonkeyPatch, loaded_url: str, tmp_path: Path) -> str:
    target = tmp_path / "bron.duckdb"
    shutil.copy(Path(loaded_url.removeprefix("duckdb://")), target)
    url = f"duckdb://{target}"
    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", url)
    return url


def test_round_trip_gives_the_same_indicator_export(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bundle = tmp_path / "uit" / "veiligstad.zip"
    exported = runner.invoke(app, ["export", "bundle", "--output", str(bundle)])
    assert exported.exit_code == 0, exported.output
    assert "Bundel geschreven naar" in exported.output and "MB" in exported.output
    assert runner.invoke(app, ["export", "indicators", "--output", str(tmp_path / "bron.csv")]).exit_code == 0

    monkeypatch.setenv("VEILIGSTAD_DATABASE_URL", f"duckdb://{tmp_path / 'nieuw' / 'w.duckdb'}")
    loaded = runner.invoke(app, ["import", "bundle", str(bundle)])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output.startswith("Geladen:") and "Eerste gebruik" not in loaded.output
    again = runner.invoke(app, ["import", "bundle", str(bundle), "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["outcome"] == "ongewijzigd"
    assert (
        runner.invoke(app, ["export", "indicators", "--output", str(tmp_path / "nieuw.csv")]).exit_code == 0
    )
    original = (tmp_path / "bron.csv").read_bytes()
    assert len(original) > 10_000 and (tmp_path / "nieuw.csv").read_bytes() == original


def test_a_damaged_bundle_is_refused_in_dutch(tmp_path: Path) -> None:
    bundle = tmp_path / "b.zip"
    assert runner.invoke(app, ["export", "bundle", "-o", str(bundle), "--json"]).exit_code == 0
    bad = tmp_path / "kapot.zip"
    with zipfile.ZipFile(bundle) as archive, zipfile.ZipFile(bad, "w") as out:
        for name in archive.namelist():
            data = archive.read(name)
            out.writestr(name, data[:-1] + b"!" if name == "batches.parquet" else data)
    result = runner.invoke(app, ["import", "bundle", str(bad)])
    assert result.exit_code == 1
    assert "Fout: De SHA-256 van 'batches.parquet' klopt niet" in result.output
    assert "veiligstad export bundle" in result.output  # the hint
    missing = runner.invoke(app, ["import", "bundle", str(tmp_path / "bestaat-niet.zip")])
    assert missing.exit_code == 1 and "Kan" in missing.output


def test_export_wants_a_zip(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "bundle", "--output", str(tmp_path / "b.tar")])
    assert result.exit_code == 1 and "Gebruik een .zip-bestand" in result.output
