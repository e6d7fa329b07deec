# SPDX-License-Identifier: EUPL-1.2
"""The ``documents`` table: registered qualitative sources (themes and areas as JSON text)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import ibis
import pyarrow as pa

from veiligstad.domain.documents import Document
from veiligstad.storage.schema import DOCUMENT_SCHEMA as DOCUMENT_SCHEMA
from veiligstad.storage.schema import DOCUMENTS as DOCUMENTS
from veiligstad.storage.warehouse import Warehouse


def ensure_documents_table(warehouse: Warehouse) -> None:
    """Create the documents table when it does not exist yet (one thread at a time)."""
    if DOCUMENTS in warehouse.con.list_tables():
        return
    with warehouse.write_lock():
        if DOCUMENTS not in warehouse.con.list_tables():
            warehouse.con.create_table(DOCUMENTS, schema=DOCUMENT_SCHEMA)


def save_documents(
    warehouse: Warehouse, documents: Sequence[Document], registered_at: Any, user: str
) -> None:
    """Insert or replace documents by id, in one transaction."""
    ensure_documents_table(warehouse)
    rows = [
        {
            **doc.model_dump(mode="python", exclude={"themes", "areas"}),
            "kind": doc.kind.value,
            "confidentiality": doc.confidentiality.value,
            "themes": json.dumps(doc.themes),
            "areas": json.dumps(doc.areas),
            "registered_at": registered_at,
            "registered_by": user,
        }
        for doc in documents
    ]
    table = pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA.to_pyarrow())
    stage = warehouse.stage(table)
    columns = ", ".join(f'"{name}"' for name in DOCUMENT_SCHEMA.names)
    try:
        with warehouse.transaction():
            warehouse.con.raw_sql(f"DELETE FROM {DOCUMENTS} WHERE id IN (SELECT id FROM {stage})")
            warehouse.con.raw_sql(f"INSERT INTO {DOCUMENTS} ({columns}) SELECT {columns} FROM {stage}")
    finally:
        warehouse.drop(stage)


def load_documents(warehouse: Warehouse) -> list[Document]:
    """All registered documents, newest first."""
    ensure_documents_table(warehouse)
    frame = warehouse.table(DOCUMENTS).order_by([ibis.desc("date"), "id"]).to_pandas()
    documents = []
    for row in frame.to_dict(orient="records"):
        data = {k: row[k] for k in Document.model_fields}
        data["themes"] = json.loads(row["themes"] or "[]")
        data["areas"] = json.loads(row["areas"] or "[]")
        data = {
            k: ("" if v is None and k in ("author", "organisation", "summary", "file", "url") else v)
            for k, v in data.items()
        }
        documents.append(Document.model_validate(data))
    return documents
