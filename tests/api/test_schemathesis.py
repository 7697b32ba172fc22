"""Schemathesis's own CLI against a live server, as an outside client would run it: every check
(not only server errors), every phase (examples, coverage, fuzzing, and stateful sequences that
follow the schema's links: create a claim, read it, edit it with its ETag, add evidence, draft
and submit its verdict), on /api/v1/ for anonymous, consumer, fact-checker and editor.

What the schema cannot state is configured per operation in schemathesis.toml, each with its
reason, so that the CLI itself reports no failure: any failure, or error, fails the test.
"""

import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from core.services.api_keys import api_key_create
from tests.factories import UserFactory, editor, fact_checker

pytestmark = [
    pytest.mark.schemathesis,
    pytest.mark.timeout(900),
    # Committed for the live server's thread; the roles' groups (a data migration) restored.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 3
# The coverage phase (boundary values of every parameter, missing required headers, methods
# not declared) takes most of the time: two roles run it, the one with no rights and the one
# with all of them.
ALL_PHASES = "examples,coverage,fuzzing,stateful"
# A public address (nothing listens for webhooks there during the run: no event is published).
PUBLIC_ADDRESS = "93.184.215.14"

HOOKS = Path(__file__).parents[1] / "schemathesis_hooks.py"


def _key_for(role: str) -> str | None:
    owners = {"consumer": UserFactory, "fact-checker": fact_checker, "editor": editor}
    if role not in owners:
        return None
    _, raw_key = api_key_create(owner=owners[role](), name="schemathesis", created_by=None)
    return raw_key


def schemathesis_run(
    schema_url: str,
    key: str | None,
    phases: str,
    tmp_path: Path,
    *,
    config: Path = CONFIG,
    max_examples: int = MAX_EXAMPLES,
) -> subprocess.CompletedProcess:
    """The CLI's run; every check is on unless `config` turns it off for an operation (a check
    named with --checks would override that)."""
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run"),
        schema_url,
        *("--max-examples", str(max_examples), "--phases", phases),
        *("--seed", "1", "--generation-deterministic", "--workers", "1"),
    ]
    if key:
        command += ["--header", f"X-API-Key: {key}"]
    # In tmp_path: the CLI keeps a cache in its working directory.
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=850,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)},
    )


def assert_no_failure(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert "SUMMARY" in output, output
    assert result.returncode == 0, output


@pytest.fixture
def public_dns(monkeypatch):
    """Offline, every host name resolves to one public address (the server's own stays local):
    webhook URLs must resolve to public addresses."""
    resolve = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(str(host).strip("[]"))
        except ValueError:
            if host != "localhost":
                return resolve(PUBLIC_ADDRESS, port, *args, **kwargs)
        return resolve(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.usefixtures("transactional_world", "public_dns")
@pytest.mark.parametrize(
    ("role", "phases"),
    [
        ("anonymous", ALL_PHASES),
        ("consumer", "fuzzing,stateful"),
        ("fact-checker", "fuzzing,stateful"),
        ("editor", ALL_PHASES),
    ],
)
def test_api_v1_conforms_to_its_schema(live_server, role, phases, tmp_path):
    url = f"{live_server.url}/api/v1/schema/"
    assert_no_failure(schemathesis_run(url, _key_for(role), phases, tmp_path))
