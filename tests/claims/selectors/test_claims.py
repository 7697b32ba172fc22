import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from claims.models import Verdict
from claims.selectors.claims import claim_list
from claims.selectors.verdicts import verdict_list
from tests.factories import EvidenceFactory, UserFactory, VerdictFactory, fact_checker

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    return VerdictFactory(status=Verdict.Status.PUBLISHED, published_at=timezone.now())


@pytest.fixture
def draft():
    return VerdictFactory(status=Verdict.Status.DRAFT)


@pytest.mark.parametrize("viewer", [AnonymousUser, UserFactory], ids=["anonymous", "consumer"])
def test_outsiders_read_only_published_claims_and_verdicts(viewer, published, draft):
    reader = viewer()
    assert list(claim_list(viewer=reader)) == [published.claim]
    assert list(verdict_list(viewer=reader)) == [published]
    assert not claim_list(viewer=reader).filter(pk=draft.claim_id).exists()
    assert not verdict_list(viewer=reader).filter(pk=draft.pk).exists()


def test_outsiders_never_see_private_evidence_or_drafts_of_other_publishers(published):
    public = EvidenceFactory(claim=published.claim)
    EvidenceFactory(claim=published.claim, is_public=False)
    VerdictFactory(claim=published.claim, status=Verdict.Status.DRAFT)

    claim = claim_list(viewer=AnonymousUser()).get(pk=published.claim_id)

    assert list(claim.evidence.all()) == [public]
    assert list(claim.verdicts.all()) == [published]


def test_newsroom_reads_everything(published, draft):
    checker = fact_checker()
    assert set(claim_list(viewer=checker)) == {published.claim, draft.claim}
    assert set(verdict_list(viewer=checker)) == {published, draft}


def test_claim_list_costs_the_same_queries_for_one_and_many(django_assert_num_queries, published):
    def read_all():
        for claim in claim_list(viewer=AnonymousUser()):
            list(claim.appearances.all()), list(claim.evidence.all()), list(claim.verdicts.all())
            list(claim.topics.all()), list(claim.media.all())

    with django_assert_num_queries(6):
        read_all()
    for _ in range(20):
        VerdictFactory(status=Verdict.Status.PUBLISHED, published_at=timezone.now())
    with django_assert_num_queries(6):
        read_all()
