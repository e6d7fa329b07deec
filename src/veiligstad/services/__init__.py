# SPDX-License-Identifier: EUPL-1.2
"""Use cases that wire definitions, engine, sources and storage together."""
