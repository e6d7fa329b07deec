# SPDX-License-Identifier: EUPL-1.2
"""CLI: `veiligstad trends`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    del app
