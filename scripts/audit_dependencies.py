# SPDX-License-Identifier: EUPL-1.2
"""Audit the locked runtime dependencies for known vulnerabilities (pip-audit), when possible.

Run by ``.ci/run`` before the tests::

    uv run python scripts/audit_dependencies.py

The requirements come from ``uv.lock`` (``uv export --frozen``), so what is audited is exactly
what is installed. pip-audit itself runs through ``uvx`` at a pinned version and asks the
advisory database of PyPI. When that database cannot be reached (no network, or a registry
mirror that does not serve vulnerability data: every package comes back "not found"), the
audit is skipped with a message and exit code 0: an audit that could not look is not a pass,
and it says so. A vulnerability that has a fixed version fails the run (exit 1: upgrade the
pin); one without a fix is listed as a warning.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

PIP_AUDIT = "pip-audit==2.10.1"
TIMEOUT_SECONDS = 300
EXPORT = ["uv", "export", "--frozen", "--no-hashes", "--no-dev", "--no-emit-project", "--quiet"]


def main() -> int:
    """Export, audit and judge; the exit code is the verdict."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        subprocess.run(
            [*EXPORT, "-o", str(requirements)],
            cwd=root,
            check=True,
        )
        command = ["uvx", PIP_AUDIT, "-r", str(requirements), "--no-deps", "--disable-pip"]
        try:
            run = subprocess.run(
                [*command, "--format", "json", "--progress-spinner", "off"],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            print(f"Dependency audit skipped: pip-audit took longer than {TIMEOUT_SECONDS} s.")
            return 0
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        last = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
        print(f"Dependency audit skipped: pip-audit could not run or reach its database ({last}).")
        return 0
    return judge(report["dependencies"])


def judge(dependencies: list[dict]) -> int:
    """0 when nothing fixable is known (or nothing could be audited), 1 otherwise."""
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        print(
            f"Dependency audit skipped: the advisory database was not reachable "
            f"(0 of {len(dependencies)} packages could be audited)."
        )
        return 0
    fixable, unfixed = [], []
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            line = f"{dependency['name']} {dependency['version']}: {vuln['id']}"
            if vuln.get("fix_versions"):
                fixable.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
            else:
                unfixed.append(f"{line} (no fixed version yet)")
    for line in unfixed:
        print(f"warning: {line}")
    for line in fixable:
        print(f"VULNERABLE: {line}")
    skipped = len(dependencies) - len(audited)
    print(
        f"Dependency audit: {len(audited)} packages audited, {skipped} skipped, "
        f"{len(fixable)} fixable and {len(unfixed)} unfixed vulnerabilities."
    )
    return 1 if fixable else 0


if __name__ == "__main__":
    sys.exit(main())
