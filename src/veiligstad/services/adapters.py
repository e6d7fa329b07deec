# SPDX-License-Identifier: EUPL-1.2
"""What the edges need from the source adapters, without importing ``veiligstad.sources``.

The CLI makes the CBS OData clients itself (one per host, with the transport that tests
replace, closed when the command ends) and reads the upload limits from the settings; the
adapters stay behind the services (an import-linter contract). Importing this module loads
the OData client and its HTTP stack, so commands import it in their bodies.
"""

from __future__ import annotations

from veiligstad.sources.cbs_odata import ODataClient, TableDefinition, load_definition
from veiligstad.sources.upload import UploadLimits

__all__ = ["ODataClient", "TableDefinition", "UploadLimits", "load_definition"]
