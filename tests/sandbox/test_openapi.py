"""The published OpenAPI document (docs/openapi.json) is the one the code serves."""
from __future__ import annotations

import json
import subprocess
import sys

import requests

from kiosk_app import contract
from sandbox.openapi import DEFAULT_PATH, FIX_COMMAND, ROOT, render
from tests.sandbox.helpers import TIMEOUT
from tests.sandbox_fixtures import SandboxServer


def test_the_published_document_is_current() -> None:
    published = DEFAULT_PATH.read_text(encoding="utf-8") if DEFAULT_PATH.exists() else ""
    assert published == render(), (
        f"{DEFAULT_PATH.relative_to(ROOT)} is stale; write it again with: {FIX_COMMAND}")


def test_the_check_command_says_how_to_fix_a_stale_file(tmp_path) -> None:  # noqa: ANN001
    stale = tmp_path / "openapi.json"
    stale.write_text("{}")
    result = subprocess.run([sys.executable, "-m", "sandbox.openapi", "--check", str(stale)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and FIX_COMMAND in result.stderr
    assert subprocess.run([sys.executable, "-m", "sandbox.openapi", "--check"], cwd=ROOT,
                          capture_output=True, timeout=120).returncode == 0


def test_every_path_of_the_contract_is_served_with_problems_for_errors(
        shared_sandbox: SandboxServer) -> None:
    served = requests.get(f"{shared_sandbox.url}/openapi.json", timeout=TIMEOUT).json()
    assert served == json.loads(render())
    paths = {value for name, value in vars(contract.Paths).items() if name.isupper()}
    assert paths == set(served["paths"])
    for path, operations in served["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path)
    assert "HTTPValidationError" not in served["components"]["schemas"]
    assert "0009" in served["paths"][contract.Paths.PAYMENTS]["post"]["description"]
