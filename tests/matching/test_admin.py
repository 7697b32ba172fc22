import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from matching.models import ClaimSuggestion
from matching.services import suggestions_refresh
from tests.factories import fact_checker
from tests.matching.factories import claim, imported

pytestmark = pytest.mark.django_db

FUNERAL = "Video shows the state funeral of North Korean general Kim Yong Bok"
FUNERAL_AGAIN = (
    "Footage circulating on X shows North Korea's state funeral for General Kim Yong Bok"
)


@pytest.fixture
def checker_client(client):
    client.force_login(fact_checker())
    return client


@pytest.fixture
def suggestion():
    imported(FUNERAL, textual_rating="False")
    new = claim(FUNERAL_AGAIN)
    suggestions_refresh(claim_id=new.pk)
    return ClaimSuggestion.objects.get(claim=new)


def decide_url(suggestion, decision: str) -> str:
    return reverse("admin:matching_claimsuggestion_decide", args=[suggestion.pk, decision])


def test_the_claim_page_lists_possible_duplicates_with_their_verdicts(checker_client, suggestion):
    response = checker_client.get(reverse("admin:claims_claim_change", args=[suggestion.claim_id]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Possible duplicates" in page
    assert FUNERAL in page
    assert "likely duplicate" in page
    assert ": False (Published)" in page
    assert decide_url(suggestion, "confirm") in page
    assert decide_url(suggestion, "reject") in page


def test_a_claim_without_suggestions_says_so(checker_client):
    lonely = claim(FUNERAL)
    response = checker_client.get(reverse("admin:claims_claim_change", args=[lonely.pk]))
    assert "No earlier claim seems to say the same thing." in response.content.decode()


def test_confirming_asks_first_then_marks_the_duplicate(checker_client, suggestion):
    asked = checker_client.get(decide_url(suggestion, "confirm"))
    assert asked.status_code == 200
    assert FUNERAL in asked.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == ClaimSuggestion.Status.SUGGESTED

    done = checker_client.post(decide_url(suggestion, "confirm"))

    assert done.status_code == 302
    assert done["Location"] == reverse("admin:claims_claim_change", args=[suggestion.claim_id])
    suggestion.refresh_from_db()
    assert suggestion.status == ClaimSuggestion.Status.CONFIRMED
    assert suggestion.claim.duplicate_of_id == suggestion.suggested_id


def test_deciding_twice_is_refused_with_a_message(checker_client, suggestion):
    checker_client.post(decide_url(suggestion, "reject"))

    response = checker_client.post(decide_url(suggestion, "confirm"), follow=True)

    assert any("already rejected" in str(m) for m in get_messages(response.wsgi_request))
    suggestion.refresh_from_db()
    assert suggestion.status == ClaimSuggestion.Status.REJECTED


def test_an_unknown_decision_is_404(checker_client, suggestion):
    assert checker_client.get(decide_url(suggestion, "merge")).status_code == 404


def test_the_list_rejects_selected_suggestions(checker_client, suggestion):
    response = checker_client.post(
        reverse("admin:matching_claimsuggestion_changelist"),
        {"action": "reject_selected", "_selected_action": [suggestion.pk]},
    )

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == ClaimSuggestion.Status.REJECTED


def test_a_suggestion_page_is_read_only(checker_client, suggestion):
    url = reverse("admin:matching_claimsuggestion_change", args=[suggestion.pk])
    assert checker_client.get(url).status_code == 200
    checker_client.post(url, {"status": "confirmed"})
    suggestion.refresh_from_db()
    assert suggestion.status == ClaimSuggestion.Status.SUGGESTED


def test_staff_without_a_newsroom_role_cannot_decide(client, suggestion, django_user_model):
    client.force_login(django_user_model.objects.create_user("intern", is_staff=True))
    assert client.post(decide_url(suggestion, "confirm")).status_code == 403
