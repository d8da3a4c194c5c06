"""Fixtures for the sandbox's own tests: one sandbox per test module serving the small test
catalogue (tests/sandbox/data/catalogue.json), for tests that need no fresh database."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.helpers import TEST_CATALOGUE
from tests.sandbox_fixtures import SandboxServer


@pytest.fixture(scope="module")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    server = SandboxServer(tmp_path_factory.mktemp("sandbox"), catalogue=TEST_CATALOGUE,
                           confirm_after=0.3, no_answer_after=0.6, slow_answer=1.5)
    try:
        yield server
    finally:
        server.stop()
