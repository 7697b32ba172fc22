import pytest
from django.core.exceptions import ValidationError

from claims.models import Evidence
from claims.services.claims import claim_media_attach
from claims.services.evidence import (
    LookupMatchOfOtherMedia,
    evidence_add,
    evidence_from_match,
    evidence_remove,
    evidence_update,
)
from media.models import LookupJob, LookupMatch
from tests.factories import ClaimFactory, EvidenceFactory, MediaItemFactory, fact_checker

pytestmark = pytest.mark.django_db


def test_add_evidence_to_a_claim():
    checker = fact_checker()
    claim = ClaimFactory()

    evidence = evidence_add(
        claim=claim,
        actor=checker,
        kind=Evidence.Kind.OFFICIAL_STATEMENT,
        relation=Evidence.Relation.REFUTES,
        title="Ministry statement",
        url="https://gov.example.org/statement",
    )

    assert list(claim.evidence.all()) == [evidence]
    assert evidence.created_by == checker
    assert evidence.is_public


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", ""), ("url", "javascript:alert(1)"), ("kind", "rumour"), ("relation", "maybe")],
)
def test_add_refuses_bad_values(field, value):
    values = {
        "kind": Evidence.Kind.DOCUMENT,
        "relation": Evidence.Relation.CONTEXT,
        "title": "A document",
        "url": "https://example.org/doc",
    }
    values[field] = value
    with pytest.raises(ValidationError) as error:
        evidence_add(claim=ClaimFactory(), actor=None, **values)
    assert field in error.value.error_dict
    assert not Evidence.objects.exists()


def _match_for(media_item):
    job = LookupJob.objects.create(media_item=media_item)
    return LookupMatch.objects.create(job=job, matched_item=MediaItemFactory(), distance=12)


def test_evidence_from_a_lookup_match_of_the_claims_media():
    claim, item = ClaimFactory(), MediaItemFactory()
    claim_media_attach(claim=claim, media_item=item, actor=None)
    match = _match_for(item)

    evidence = evidence_add(
        claim=claim,
        actor=None,
        kind=Evidence.Kind.REVERSE_IMAGE_MATCH,
        relation=Evidence.Relation.REFUTES,
        title="Earlier copy",
        lookup_match=match,
    )

    assert evidence.lookup_match == match


def test_evidence_from_a_verified_match_says_what_was_done_to_the_picture():
    claim, item = ClaimFactory(), MediaItemFactory()
    claim_media_attach(claim=claim, media_item=item, actor=None)
    match = _match_for(item)
    # Keys left out read as unchanged: only the mirroring is to be said.
    match.transform = {"inliers": 64, "matches": 90, "mirrored": True}
    match.save()

    evidence = evidence_from_match(match=match, actor=None)

    assert "; 64 matching keypoints confirm it (mirrored)." in evidence.note


def test_lookup_match_of_other_media_is_refused():
    claim = ClaimFactory()
    match = _match_for(MediaItemFactory())
    with pytest.raises(LookupMatchOfOtherMedia):
        evidence_add(
            claim=claim,
            actor=None,
            kind=Evidence.Kind.REVERSE_IMAGE_MATCH,
            relation=Evidence.Relation.REFUTES,
            title="Earlier copy",
            lookup_match=match,
        )


def test_update_and_remove_evidence():
    evidence = EvidenceFactory()
    updated = evidence_update(evidence=evidence, actor=None, is_public=False, note="Source asked")
    assert (updated.is_public, updated.note) == (False, "Source asked")

    evidence_remove(evidence=updated, actor=None)
    assert not Evidence.objects.exists()
