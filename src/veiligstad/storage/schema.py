# SPDX-License-Identifier: EUPL-1.2
"""The tables of the warehouse, their columns, and the schema version.

Every table is listed here, so that ``Warehouse.ensure_schema`` creates all of them at once
on both backends (DuckDB and PostgreSQL) and upgrades an older warehouse when it is opened.

Schema versions (the ``schema_version`` table holds the version a warehouse has):

1. Warehouses made before versions were recorded: the tables were created on first use.
2. Every table exists, with every column below, and ``schema_version`` records the version.

A newer version adds a table or column here and raises ``SCHEMA_VERSION``; the upgrade on
open adds what is missing (columns are only ever added, never changed or removed).

>>> sorted(TABLES)[:3]
['actions', 'areas', 'audit_log']
>>> SCHEMA_VERSION
2
"""

from __future__ import annotations

import ibis

SCHEMA_VERSION = 2

OBSERVATIONS = "observations"
HISTORY = "observations_history"
AREAS = "areas"
BATCHES = "batches"
USERS = "users"
ACTIONS = "actions"
EVALUATIONS = "evaluations"
AUDIT_LOG = "audit_log"
DOCUMENTS = "documents"
VERSION_TABLE = "schema_version"

OBSERVATION_SCHEMA = ibis.schema(
    {
        "measure": "string",
        "area_code": "string",
        "period": "string",
        "period_type": "string",
        "year": "int32",
        "value": "float64",
        "unit": "string",
        "status": "string",
        "source_id": "string",
        "batch_id": "string",
    }
)
AREA_SCHEMA = ibis.schema(
    {
        "code": "string",
        "name": "string",
        "level": "string",
        "wijk_code": "string",
        "stadsdeel_code": "string",
        "gemeente_code": "string",
        "boundary_year": "int32",
        "geometry": "string",
    }
)
BATCH_SCHEMA = ibis.schema(
    {
        "batch_id": "string",
        "source_id": "string",
        "title": "string",
        "publisher": "string",
        "attribution": "string",
        "table_id": "string",
        "file": "string",
        "file_hash": "string",
        "origin": "string",
        "licence": "string",
        "notes": "string",
        "rows": "int64",
        "loaded_at": "timestamp('UTC')",
        "kind": "string",
        "retrieved_at": "timestamp('UTC')",
        "rows_rejected": "int64",
        "loaded_by": "string",
        "replaced_by": "string",
    }
)
USER_SCHEMA = ibis.schema(
    {
        "username": "string",
        "role": "string",
        "password_hash": "string",
        "disabled": "boolean",
        "created_at": "timestamp('UTC')",
        "created_by": "string",
        "session_generation": "int64",
    }
)
ACTION_SCHEMA = ibis.schema(
    {
        "id": "string",
        "year": "int32",
        "status": "string",
        "title": "string",
        "themes": "string",
        "indicators": "string",
        "areas": "string",
        "confidentiality": "string",
        "record": "string",
        "updated_at": "timestamp('UTC')",
        "updated_by": "string",
    }
)
EVALUATION_SCHEMA = ibis.schema(
    {
        "year": "int32",
        "record": "string",
        "saved_at": "timestamp('UTC')",
        "saved_by": "string",
    }
)
AUDIT_SCHEMA = ibis.schema(
    {
        "at": "timestamp('UTC')",
        "user": "string",
        "entity": "string",
        "entity_id": "string",
        "change": "string",
        "before": "string",
        "after": "string",
        "note": "string",
    }
)
DOCUMENT_SCHEMA = ibis.schema(
    {
        "id": "string",
        "title": "string",
        "date": "date",
        "author": "string",
        "organisation": "string",
        "kind": "string",
        "themes": "string",
        "areas": "string",
        "summary": "string",
        "file": "string",
        "url": "string",
        "confidentiality": "string",
        "registered_at": "timestamp('UTC')",
        "registered_by": "string",
    }
)
VERSION_SCHEMA = ibis.schema({"version": "int32", "upgraded_at": "timestamp('UTC')", "upgraded_by": "string"})

#: Every table of the warehouse and its columns.
TABLES = {
    OBSERVATIONS: OBSERVATION_SCHEMA,
    HISTORY: OBSERVATION_SCHEMA,
    AREAS: AREA_SCHEMA,
    BATCHES: BATCH_SCHEMA,
    USERS: USER_SCHEMA,
    ACTIONS: ACTION_SCHEMA,
    EVALUATIONS: EVALUATION_SCHEMA,
    AUDIT_LOG: AUDIT_SCHEMA,
    DOCUMENTS: DOCUMENT_SCHEMA,
    VERSION_TABLE: VERSION_SCHEMA,
}
