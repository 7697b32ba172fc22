"""Schemathesis, as CI would run it by hand, against a live server: every check (not only server
errors), every phase (examples, coverage, fuzzing, stateful sequences along the schema's links),
on /api/v1/ for each role and on /v1alpha1/, must report no failure."""

import subprocess
import sys
from pathlib import Path

import pytest

from core.services.api_keys import api_key_create
from tests.factories import UserFactory, editor, fact_checker

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 8


def _key_for(role: str) -> str | None:
    owners = {"consumer": UserFactory, "fact-checker": fact_checker, "editor": editor}
    if role not in owners:
        return None
    _, raw_key = api_key_create(owner=owners[role](), name="schemathesis", created_by=None)
    return raw_key


def schemathesis_run(
    schema_url: str, key: str | None, tmp_path: Path
) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        schema_url,
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "1",
        "--generation-deterministic",
        "--workers",
        "1",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    if key:
        command += ["--header", f"X-API-Key: {key}"]
    # In tmp_path: the CLI keeps a cache in its working directory.
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path
    )


@pytest.mark.parametrize("role", ["anonymous", "consumer", "fact-checker", "editor"])
def test_api_v1_conforms_to_its_schema(live_server, transactional_world, role, tmp_path):
    result = schemathesis_run(f"{live_server.url}/api/v1/schema/", _key_for(role), tmp_path)
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
