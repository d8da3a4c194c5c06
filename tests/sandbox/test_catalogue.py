"""The catalogue over real HTTP: loaded from the seed into the database, served with a strong
ETag, 304 for a device that has it, and a new version whenever the content changes."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import requests

from kiosk_app import contract
from kiosk_app.contract import Paths
from sandbox.settings import DEFAULT_CATALOGUE
from tests.sandbox.helpers import TEST_CATALOGUE, TIMEOUT
from tests.sandbox_fixtures import SandboxServer


def get(server: SandboxServer, **headers: str) -> requests.Response:
    return requests.get(f"{server.url}{Paths.CATALOGUE}", headers=headers, timeout=TIMEOUT)


def test_the_shipped_seed_is_served_as_it_is(sandbox: SandboxServer) -> None:
    answer = get(sandbox)
    assert answer.status_code == 200
    served = contract.Catalogue.model_validate(answer.json())
    seed = contract.Catalogue.model_validate_json(DEFAULT_CATALOGUE.read_bytes())
    assert served == seed
    assert answer.headers["ETag"] == f'"{seed.version}"'


def test_if_none_match_gets_304(shared_sandbox: SandboxServer) -> None:
    first = get(shared_sandbox)
    etag = first.headers["ETag"]
    assert etag == '"test-2026.1"'
    for header in (etag, f"W/{etag}", f'"older", {etag}', "*"):
        again = get(shared_sandbox, **{"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b"" and again.headers["ETag"] == etag
    assert get(shared_sandbox, **{"If-None-Match": '"older"'}).status_code == 200


def test_a_changed_seed_is_a_new_version_even_when_its_author_forgot(
        sandbox_factory, tmp_path: Path) -> None:
    seed = tmp_path / "catalogue.json"
    shutil.copy(TEST_CATALOGUE, seed)
    server: SandboxServer = sandbox_factory(catalogue=seed)
    old_tag = get(server).headers["ETag"]
    server.stop()
    changed = json.loads(seed.read_text())
    changed["services"][0]["name"]["en"] = "Birth certificate (copy)"
    seed.write_text(json.dumps(changed))
    server.start()
    answer = get(server, **{"If-None-Match": old_tag})
    assert answer.status_code == 200
    assert answer.json()["services"][0]["name"]["en"] == "Birth certificate (copy)"
    assert answer.json()["version"].startswith("test-2026.1+")
    assert answer.headers["ETag"] != old_tag
    # Back to the first content: the first version again.
    server.stop()
    shutil.copy(TEST_CATALOGUE, seed)
    server.start()
    assert get(server).headers["ETag"] == old_tag


def test_a_missing_or_broken_seed_stops_the_start_with_words_for_the_technician(
        sandbox_factory, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": "x"}')
    for seed, words in ((tmp_path / "none.json", "is missing"), (broken, "not a valid")):
        try:
            sandbox_factory(catalogue=seed)
        except RuntimeError as err:
            assert words in str(err) and "Faili la huduma" in str(err)
            assert "exited with status 2" in str(err)
        else:
            raise AssertionError("the sandbox started with a bad seed")
