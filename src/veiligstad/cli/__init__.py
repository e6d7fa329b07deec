# SPDX-License-Identifier: EUPL-1.2
"""The command-line edge: Typer commands in English, output in Dutch."""
