# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad import …``: the sub-command group; each import path registers itself here."""

from __future__ import annotations

import typer

import_app = typer.Typer(help="Gegevens importeren.", no_args_is_help=True)
