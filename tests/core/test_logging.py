"""What the processes log: no library noise on start-up, no traceback for a refusal."""

import logging

import pytest

from tests.factories import fact_checker


def test_faiss_loader_says_nothing_at_info():
    assert not logging.getLogger("faiss.loader").isEnabledFor(logging.INFO)
    assert logging.getLogger("faiss.loader").isEnabledFor(logging.WARNING)


@pytest.mark.django_db
def test_a_refused_admin_page_is_logged_without_a_traceback(client, caplog):
    client.force_login(fact_checker())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/admin/auth/user/")
    assert response.status_code == 403
    refusals = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in refusals] == [
        "Forbidden (Permission denied): /admin/auth/user/"
    ]
    assert refusals[0].exc_info is None
