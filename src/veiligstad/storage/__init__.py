# SPDX-License-Identifier: EUPL-1.2
"""Storage adapter: the warehouse behind one Ibis connection URL."""
