"""Schemathesis against the running sandbox, from its own OpenAPI document: generated requests for every
operation, with a device token and the operator key, and every response checked against the
document (status codes, content types, headers, bodies, and no server errors)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from sandbox.openapi import document
from tests.sandbox_fixtures import DatabaseFactory, SandboxServer

pytestmark = pytest.mark.postgresql  # every test here runs on PostgreSQL too

EXAMPLES = 25
"""Examples per operation: enough to reach each error path, few enough to finish quickly."""

RULES_BEYOND_THE_SCHEMA = {
    "POST /v1/applications": "the service is in the catalogue and online, the amount is its "
                             "fees, the answers fit its form, the reference's check character",
    "POST /v1/payments": "whole shillings; the reference's check character",
    "POST /v1/queue/tickets": "the service is in the catalogue; the reference's check character",
    "POST /v1/feedback": "the reference's check character",
    "POST /v1/operator/applications/{reference}/advance": "a rejection needs a note",
    "POST /v1/agents/{agent_number}/ledger": "debit and credit differ; the reference's check "
                                             "character",
    "GET /v1/agents/{agent_number}/ledger": "since is not after until",
    "POST /v1/devices": "the public key is 32 bytes",
}
"""Operations whose documented 422 also refuses bodies that fit the JSON Schema but break a
rule JSON Schema cannot say (a check character, a catalogue lookup, two fields compared). For
these alone the "schema-valid data is accepted" check does not apply: it would call such a
refusal a failure. Every other check runs on every operation."""


@pytest.fixture(scope="module")
def api_sandbox(tmp_path_factory: pytest.TempPathFactory,
                sandbox_databases: DatabaseFactory) -> Iterator[SandboxServer]:
    with sandbox_databases() as db_url:
        server = SandboxServer(tmp_path_factory.mktemp("schemathesis"), confirm_after=0.2,
                               slow_answer=0.2, no_answer_after=0.2, db_url=db_url)
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def credentials(api_sandbox: SandboxServer) -> dict[str, str]:
    """An agent device's token (an agent device may call every operation) and the operator
    key: generated requests get past authentication and reach the checks behind it."""
    token = api_sandbox.enrol(device_id="AGT-SCHEMA-0001", role="agent")["token"]
    return {"Authorization": f"Bearer {token}", **api_sandbox.operator_headers}


# The document the code serves (test_openapi checks that /openapi.json is exactly this), read
# at collection time; the requests go to the running sandbox over HTTP.
schema = schemathesis.openapi.from_dict(document())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
def test_the_api_keeps_its_own_document(case: schemathesis.Case, api_sandbox: SandboxServer,
                                        credentials: dict[str, str]) -> None:
    excluded = ([schemathesis.checks.positive_data_acceptance]
                if case.operation.label in RULES_BEYOND_THE_SCHEMA else [])
    case.call_and_validate(base_url=api_sandbox.url, headers=credentials, timeout=15,
                           excluded_checks=excluded)


def test_the_exceptions_name_real_operations() -> None:
    labels = {operation.ok().label for operation in schema.get_all_operations()}
    assert set(RULES_BEYOND_THE_SCHEMA) <= labels
