# SPDX-License-Identifier: EUPL-1.2
"""Moved to ``veiligstad.reports.charts`` (shared with the PDF reports); import it from there.

Temporary: removed once every page imports the new location.
"""

from veiligstad.reports.charts import *  # noqa: F403
from veiligstad.reports.charts import HOTSPOT_COLOURS, NO_VALUE, WIDTH, records  # noqa: F401
