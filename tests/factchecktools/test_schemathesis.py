"""Schemathesis's CLI against a live server on the /v1alpha1/schema/, with every check and
every phase (there are no links, so no stateful sequences), for anonymous callers (refused:
every method needs a key) and a consumer's key (searches; markup pages are refused).

KNOWN_MISMATCHES lists what the schema cannot say: any other failure fails the test.
"""

from pathlib import Path

import pytest

from core.services.api_keys import api_key_create
from tests.api.test_schemathesis import failures, schemathesis_run
from tests.factchecktools.conftest import publish
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.schemathesis,
    pytest.mark.timeout(300),
    # Committed for the live server's thread; the roles' groups (a data migration) restored.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CONFIG = Path(__file__).with_name("schemathesis.toml")
PHASES = "examples,coverage,fuzzing"

KNOWN_MISMATCHES = {
    # `query` is required unless reviewPublisherSiteFilter is given: a rule across two
    # parameters, which OpenAPI 3.0 cannot state for query parameters.
    ("GET /v1alpha1/claims:search", "ST202"),
    # imageUri must be a picture that can be fetched (from a public address) and decoded; any
    # URI fits `format: uri`.
    ("GET /v1alpha1/claims:imageSearch", "ST202"),
}


@pytest.fixture
def searchable(scale, ours, afp):
    publish("A video shows the state funeral of general Kim Yong Bok.", publisher=ours, scale=scale)
    publish("Kim Yong Bok died in 2024.", publisher=afp, scale=scale, textual_rating="Faux")


@pytest.mark.usefixtures("searchable")
@pytest.mark.parametrize("role", ["anonymous", "consumer"])
def test_v1alpha1_conforms_to_its_schema(live_server, role, tmp_path):
    key = None
    if role == "consumer":
        _, key = api_key_create(owner=UserFactory(), name="schemathesis", created_by=None)
    url = f"{live_server.url}/v1alpha1/schema/"
    output = schemathesis_run(url, key, PHASES, tmp_path, config=CONFIG, max_examples=3)

    assert "SUMMARY" in output, output
    unexpected = sorted(failures(output) - KNOWN_MISMATCHES)
    assert not unexpected, "\n".join(map(str, unexpected)) + "\n" + output
