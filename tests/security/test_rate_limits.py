"""Rate limits cannot be dodged by what a client says about itself."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.API_RATE_LIMITS = {"anonymous": "2/min"}
    cache.clear()


def statuses(forwarded_for: list[str]) -> list[int]:
    return [
        APIClient().get("/api/v1/topics/", HTTP_X_FORWARDED_FOR=value).status_code
        for value in forwarded_for
    ]


def test_x_forwarded_for_is_ignored_without_proxies(limits, settings):
    settings.NUM_PROXIES = 0
    assert statuses(["1.1.1.1", "2.2.2.2", "3.3.3.3"]) == [200, 200, 429]


def test_behind_one_proxy_only_the_address_it_saw_counts(limits, settings):
    settings.NUM_PROXIES = 1
    # The client made up the first entries; the proxy appended the address it saw.
    spoofed = ["1.1.1.1, 9.9.9.9", "2.2.2.2, 9.9.9.9", "3.3.3.3,9.9.9.9"]
    assert statuses(spoofed) == [200, 200, 429]
    assert statuses(["8.8.8.8"]) == [200]
