# SPDX-License-Identifier: EUPL-1.2
"""Spatial statistics (PySAL esda/libpysal): weights, hotspots, emerging hotspots. Pure: no I/O."""
