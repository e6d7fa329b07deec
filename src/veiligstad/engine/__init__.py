# SPDX-License-Identifier: EUPL-1.2
"""The indicator engine: definitions → Ibis expressions; intervals and significance. Pure."""
