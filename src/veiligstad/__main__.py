# SPDX-License-Identifier: EUPL-1.2
"""``python -m veiligstad`` runs the command-line interface."""

from veiligstad.cli.main import app

app()
