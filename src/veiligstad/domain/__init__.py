# SPDX-License-Identifier: EUPL-1.2
"""Pure domain types: areas, periods, indicators, programmes. No I/O."""
