import pytest

from tests.api.conftest import client_for
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_cursor_pages_are_stable_while_claims_are_logged():
    ClaimFactory.create_batch(7)
    client = client_for("editor")
    first = client.get("/api/v1/claims/", {"page_size": 3}).json()
    ClaimFactory.create_batch(5)  # newer claims arrive while the reader pages on

    seen = [row["id"] for row in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["id"] for row in page["results"]]

    assert len(seen) == len(set(seen)) == 7


def test_page_size_is_capped():
    ClaimFactory.create_batch(3)
    response = client_for("editor").get("/api/v1/claims/", {"page_size": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_ordering_by_published_date_lists_published_verdicts(world):
    response = client_for("editor").get("/api/v1/verdicts/", {"ordering": "-published_at"})
    assert [row["id"] for row in response.json()["results"]] == [world.public_verdict.pk]
