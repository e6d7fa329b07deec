# SPDX-License-Identifier: EUPL-1.2
"""veiligstad: an information-driven, area-based safety monitor for Dutch municipalities."""

__version__ = "0.1.0"
