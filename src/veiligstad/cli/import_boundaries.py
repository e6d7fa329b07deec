# SPDX-License-Identifier: EUPL-1.2
"""CLI commands: import boundaries (see docs/how-to)."""

from __future__ import annotations
