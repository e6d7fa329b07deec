# SPDX-License-Identifier: EUPL-1.2
"""The CI dependency audit: skipped without a database, fails only on fixable vulnerabilities."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_dependencies.py"
_spec = importlib.util.spec_from_file_location("audit_dependencies", _SCRIPT)
assert _spec and _spec.loader
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)


def test_nothing_audited_is_a_skip_not_a_pass(capsys: pytest.CaptureFixture[str]) -> None:
    deps = [{"name": "httpx", "version": "0.28.1", "skip_reason": "not found on PyPI"}]
    assert audit.judge(deps) == 0
    assert "skipped" in capsys.readouterr().out


def test_a_fixable_vulnerability_fails(capsys: pytest.CaptureFixture[str]) -> None:
    deps = [
        {"name": "jinja2", "version": "3.1.2", "vulns": [{"id": "GHSA-x", "fix_versions": ["3.1.3"]}]},
        {"name": "httpx", "version": "0.28.1", "vulns": []},
    ]
    assert audit.judge(deps) == 1
    assert "VULNERABLE: jinja2 3.1.2: GHSA-x (fixed in 3.1.3)" in capsys.readouterr().out


def test_an_unfixed_vulnerability_is_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    deps = [{"name": "pyyaml", "version": "6.0", "vulns": [{"id": "PYSEC-1", "fix_versions": []}]}]
    assert audit.judge(deps) == 0
    assert "warning: pyyaml 6.0: PYSEC-1" in capsys.readouterr().out
