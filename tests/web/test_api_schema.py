# SPDX-License-Identifier: EUPL-1.2
"""schemathesis against the API's own OpenAPI document: every check, zero failures.

Each operation gets schemathesis' examples, coverage and fuzzing phases (positive and
negative data) with a bounded, derandomised Hypothesis run, so the result does not depend
on luck and the run stays short. No example database is written (``database=None``);
Hypothesis' own caches (``.hypothesis/constants``, ``unicode_data``) are still written, as
for every Hypothesis test (from collection on), into the git-ignored ``.hypothesis`` folder
(``HYPOTHESIS_STORAGE_DIRECTORY`` moves them).

The document is read at import time from an app without data (building the OpenAPI document
reads no data); the requests go to the session's app with the embedded data, and a test
checks that this app serves the very same document.
"""

from __future__ import annotations

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from veiligstad.settings import Settings
from veiligstad.web.app import create_app

#: Generated cases per operation in the fuzzing phase.
MAX_EXAMPLES = 30

#: Building the document reads no data, so an app over an empty in-memory warehouse will do.
DOCUMENT_APP = create_app(Settings(database_url="duckdb:///:memory:", secret_key="openapi-document-only"))
DOCUMENT = DOCUMENT_APP.openapi()

schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_app_serves_the_document_under_test(client: TestClient) -> None:
    """What schemathesis tests is what clients get."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case, web_app: FastAPI) -> None:
    """No server errors; status codes, content types, headers and bodies as documented."""
    case.call_and_validate(app=web_app)
