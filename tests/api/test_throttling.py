import pytest
from rest_framework.test import APIClient

from core.services.api_keys import api_key_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.API_RATE_LIMITS = {"anonymous": "2/min", "consumer": "3/min"}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


def test_anonymous_callers_are_limited_with_retry_after(limits):
    client = APIClient()
    statuses = [client.get("/api/v1/topics/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get("/api/v1/topics/")
    assert refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_each_key_has_its_own_budget_and_may_carry_its_own_rate(limits):
    _, first = api_key_create(owner=UserFactory(), name="a", created_by=None)
    _, second = api_key_create(owner=UserFactory(), name="b", created_by=None, rate_limit="5/min")
    first_statuses = [
        APIClient().get("/api/v1/topics/", HTTP_X_API_KEY=first).status_code for _ in range(4)
    ]
    second_statuses = [
        APIClient().get("/api/v1/topics/", HTTP_X_API_KEY=second).status_code for _ in range(6)
    ]
    assert first_statuses == [200, 200, 200, 429]
    assert second_statuses == [200] * 5 + [429]


def test_the_newsroom_shares_one_rate_decided_without_permission_queries(
    limits, settings, django_assert_num_queries
):
    """The tier takes one query (the caller's groups); an editor's permissions were two more
    on every request."""
    from tests.factories import editor, fact_checker

    settings.API_RATE_LIMITS = {"consumer": "1/min", "newsroom": "2/min"}
    for member in (fact_checker(), editor()):
        _, raw = api_key_create(owner=member, name="desk", created_by=None)
        client = APIClient(HTTP_X_API_KEY=raw)
        assert [client.get("/api/v1/topics/").status_code for _ in range(3)] == [200, 200, 429]
    _, raw = api_key_create(owner=UserFactory(), name="partner", created_by=None)
    consumer = APIClient(HTTP_X_API_KEY=raw)
    assert [consumer.get("/api/v1/topics/").status_code for _ in range(2)] == [200, 429]

    from core.api.throttling import rate_tier

    partner = UserFactory()
    with django_assert_num_queries(1):
        assert rate_tier(partner) == "consumer"
