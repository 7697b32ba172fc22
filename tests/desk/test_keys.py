"""API keys in the desk: your own, and (editors) consumers'."""

import pytest

from core.models import ApiKey
from tests.factories import editor

pytestmark = pytest.mark.django_db


def test_the_desk_creates_and_revokes_keys(client):
    user = editor()
    client.force_login(user)
    page = client.post(
        "/desk/keys/", {"form": "own", "own-name": "newsroom tool", "own-rate_limit": ""}
    ).content.decode()
    key = ApiKey.objects.get(owner=user)
    assert "Copy it now" in page
    assert f"fck_{key.prefix}_" in page
    client.post(
        "/desk/keys/",
        {
            "form": "consumer",
            "consumer-name": "researcher",
            "consumer-consumer": "uni-lab",
            "consumer-create_consumer": "on",
        },
    )
    assert ApiKey.objects.get(owner__username="uni-lab").created_by == user
    assert client.post(f"/desk/keys/{key.pk}/revoke/").status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
