import pytest

from claims.models import Verdict
from tests.api.conftest import client_for
from tests.factories import AppearanceFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world):
    """The world's draft verdict, with what publishing needs."""
    AppearanceFactory(claim=world.draft_claim, is_first=True, url="https://x.com/first/1")
    EvidenceFactory(claim=world.draft_claim)
    return world.draft_verdict


def _post(role, verdict, action, body=None):
    return client_for(role).post(
        f"/api/v1/verdicts/{verdict.pk}/{action}/", body or {}, format="json"
    )


def test_submit_then_publish(ready):
    assert _post("fact-checker", ready, "submit").json()["status"] == "in_review"
    assert _post("fact-checker", ready, "publish").status_code == 403
    published = _post("editor", ready, "publish")
    assert published.status_code == 200
    assert published.json()["status"] == "published"


def test_illegal_transition_is_409_with_the_reason(ready):
    response = _post("editor", ready, "publish")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert "must be in review" in response.json()["message"]


def test_incomplete_verdict_cannot_be_published(world):
    _post("fact-checker", world.draft_verdict, "submit")
    response = _post("editor", world.draft_verdict, "publish")
    assert response.status_code == 409
    assert response.json()["code"] == "not_ready_to_publish"


def test_return_correct_retract(ready):
    _post("fact-checker", ready, "submit")
    assert _post("editor", ready, "return", {}).status_code == 400
    returned = _post("editor", ready, "return", {"comment": "Add the source."})
    assert returned.json()["status"] == "draft"
    _post("fact-checker", ready, "submit")
    _post("editor", ready, "publish")
    corrected = _post(
        "editor", ready, "correct", {"kind": "update", "note": "New source.", "summary": "Better."}
    )
    assert corrected.status_code == 200
    assert corrected.json()["corrections"][0]["note"] == "New source."
    assert _post("editor", ready, "correct", {"kind": "retraction", "note": "x"}).status_code == 400
    retracted = _post("editor", ready, "retract", {"reason": "Wrong footage."})
    assert retracted.json()["status"] == "retracted"
    assert Verdict.objects.get(pk=ready.pk).corrections.count() == 2


def test_outsiders_cannot_see_drafts_to_act_on_them(ready):
    assert _post("consumer", ready, "submit").status_code == 404
    assert _post("anonymous", ready, "publish").status_code == 404
