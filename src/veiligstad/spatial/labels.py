# SPDX-License-Identifier: EUPL-1.2
"""The labels of the hotspot categories, importable without PySAL (which takes seconds).

``spatial.hotspots`` gives them; pages and the API that only show them import them from here.
"""

from __future__ import annotations

NOT_SIGNIFICANT = "geen significant patroon"
#: Gi* is undefined for an area whose neighbourhood is every area (e.g. a central stadsdeel that
#: borders all others): its z has no variance. It gets this label and stays out of the FDR.
UNDEFINED = "niet te bepalen"
