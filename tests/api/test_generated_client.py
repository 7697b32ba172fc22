"""The schema is usable as published: openapi-python-client generates a client from it (offline,
into the test's folder) without a warning, and that client creates a claim on a live server,
reads it back, and edits it with the ETag it read."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from core.services.api_keys import api_key_create
from tests.factories import fact_checker

PACKAGE = "factcheck_client"


@pytest.fixture
def generated_client(live_server, tmp_path, monkeypatch):
    schema = tmp_path / "schema.json"
    schema.write_bytes(httpx.get(f"{live_server.url}/api/v1/schema/?format=json").content)
    config = tmp_path / "config.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\nproject_name_override: {PACKAGE}\n")
    bin_folder = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_folder / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        # Its post-generation hook runs ruff, which is in this environment's bin folder.
        env={**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(PACKAGE)
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_generated_client_creates_reads_and_edits_a_claim(live_server, generated_client):
    from factcheck_client.api.claims import claims_create, claims_partial_update, claims_retrieve
    from factcheck_client.models import (
        ClaimCreateInputRequest,
        ClaimOutput,
        Error,
        PatchedClaimUpdateInputRequest,
    )

    _, key = api_key_create(owner=fact_checker(), name="client", created_by=None)
    client = generated_client.AuthenticatedClient(base_url=live_server.url, token=key)

    created = claims_create.sync_detailed(
        client=client,
        body=ClaimCreateInputRequest(text="The bridge was closed in 2019.", language="en"),
    )
    assert created.status_code == 201
    assert isinstance(created.parsed, ClaimOutput)
    claim_id = created.parsed.id

    read = claims_retrieve.sync_detailed(id=str(claim_id), client=client)
    assert read.status_code == 200
    assert read.parsed.text == "The bridge was closed in 2019."
    assert read.parsed.language == "en"

    body = PatchedClaimUpdateInputRequest(claimant="City council")
    stale = claims_partial_update.sync_detailed(
        id=str(claim_id), client=client, body=body, if_match='"stale"'
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, Error)
    assert stale.parsed.code == "precondition_failed"

    edited = claims_partial_update.sync_detailed(
        id=str(claim_id), client=client, body=body, if_match=read.headers["ETag"]
    )
    assert edited.status_code == 200
    assert edited.parsed.claimant == "City council"
