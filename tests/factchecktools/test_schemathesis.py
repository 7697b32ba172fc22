"""Schemathesis's CLI against a live server on the /v1alpha1/schema/, with every check, for
anonymous callers (refused: every method needs a key; examples and fuzzing) and a consumer's key
(searches; markup pages are refused; every phase but the stateful one: there are no links).
The key goes where the schema declares it, in `key`.

What the schema cannot state is configured per operation in schemathesis.toml, each with its
reason, so that the CLI itself reports no failure: any failure, or error, fails the test.
"""

from pathlib import Path

import pytest

from core.services.api_keys import api_key_create
from tests.api.test_schemathesis import assert_no_failure, schemathesis_run
from tests.factchecktools.conftest import publish
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.schemathesis,
    pytest.mark.timeout(300),
    # Committed for the live server's thread; the roles' groups (a data migration) restored.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CONFIG = Path(__file__).with_name("schemathesis.toml")
PHASES = {"anonymous": "examples,fuzzing", "consumer": "examples,coverage,fuzzing"}


@pytest.fixture
def searchable(scale, ours, afp):
    publish("A video shows the state funeral of general Kim Yong Bok.", publisher=ours, scale=scale)
    publish("Kim Yong Bok died in 2024.", publisher=afp, scale=scale, textual_rating="Faux")


@pytest.mark.usefixtures("searchable")
@pytest.mark.parametrize("role", ["anonymous", "consumer"])
def test_v1alpha1_conforms_to_its_schema(live_server, role, tmp_path):
    config = tmp_path / "schemathesis.toml"
    if role == "consumer":
        _, key = api_key_create(owner=UserFactory(), name="schemathesis", created_by=None)
        config.write_text(f'{CONFIG.read_text()}\n[auth.openapi.QueryKey]\napi_key = "{key}"\n')
    else:
        # No key at all: a made-up one would be an invalid key (400, see schemathesis.toml).
        config.write_text(f'{CONFIG.read_text()}"query.key" = ""\n')
    url = f"{live_server.url}/v1alpha1/schema/"
    assert_no_failure(
        schemathesis_run(url, None, PHASES[role], tmp_path, config=config, max_examples=3)
    )
