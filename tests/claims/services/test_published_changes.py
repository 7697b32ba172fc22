"""A published fact-check never changes silently: what its page and markup show (public
evidence, appearances, media) changes only with a dated public correction; retracted ones not
at all; drafts freely."""

import pytest

from claims.models import Correction, Verdict
from claims.services.claims import (
    ClaimPublished,
    appearance_add,
    appearance_remove,
    appearance_update,
    claim_media_attach,
    claim_media_detach,
)
from claims.services.evidence import evidence_add, evidence_remove, evidence_update
from claims.services.workflow import verdict_publish, verdict_retract, verdict_submit
from core.exceptions import PermissionDenied
from tests.claims.services.test_workflow import ready_verdict
from tests.factories import (
    EvidenceFactory,
    MediaItemFactory,
    PublisherFactory,
    editor,
    fact_checker,
)

pytestmark = pytest.mark.django_db

NOTE = "Added the ministry's record of the funeral."


@pytest.fixture
def published() -> Verdict:
    verdict = ready_verdict(publisher=PublisherFactory(is_self=True))
    verdict_submit(verdict=verdict, actor=editor())
    return verdict_publish(verdict=verdict, actor=editor())


def _evidence_kwargs(**overrides):
    return {"kind": "document", "relation": "refutes", "title": "Record", **overrides}


def test_public_evidence_is_not_added_edited_or_removed_silently(published):
    claim = published.claim
    evidence = claim.evidence.get()

    with pytest.raises(ClaimPublished, match="correction note"):
        evidence_add(claim=claim, actor=editor(), **_evidence_kwargs())
    with pytest.raises(ClaimPublished):
        evidence_update(evidence=evidence, actor=editor(), title="Another title")
    with pytest.raises(ClaimPublished):
        evidence_update(evidence=evidence, actor=editor(), is_public=False)
    with pytest.raises(ClaimPublished):
        evidence_remove(evidence=evidence, actor=editor())

    assert list(claim.evidence.values_list("title", flat=True)) == [evidence.title]
    assert not Correction.objects.exists()


def test_with_a_correction_note_the_change_is_published_as_a_dated_update(published):
    claim = published.claim
    before = published.updated_at

    added = evidence_add(claim=claim, actor=editor(), correction_note=NOTE, **_evidence_kwargs())

    correction = Correction.objects.get()
    assert (correction.verdict, correction.kind, correction.note) == (published, "update", NOTE)
    published.refresh_from_db()
    assert published.updated_at > before  # ClaimReview's dateModified moves
    assert added.claim == claim


def test_only_editors_correct_so_only_editors_change_a_published_fact_check(published):
    with pytest.raises(PermissionDenied):
        evidence_add(
            claim=published.claim, actor=fact_checker(), correction_note=NOTE, **_evidence_kwargs()
        )


def test_private_evidence_and_new_appearances_are_not_part_of_the_ruling(published):
    claim = published.claim
    private = evidence_add(claim=claim, actor=fact_checker(), **_evidence_kwargs(is_public=False))
    evidence_update(evidence=private, actor=fact_checker(), note="Called the ministry.")
    appearance_add(claim=claim, actor=fact_checker(), url="https://t.me/channel/12")

    assert not Correction.objects.exists()


def test_appearances_change_or_go_only_with_a_correction(published):
    first = published.claim.appearances.get(is_first=True)

    with pytest.raises(ClaimPublished):
        appearance_update(appearance=first, actor=editor(), author_handle="@other")
    with pytest.raises(ClaimPublished):
        appearance_remove(appearance=first, actor=editor())
    appearance_update(
        appearance=first, actor=editor(), author_handle="@other", correction_note="Handle fixed."
    )

    assert Correction.objects.get().note == "Handle fixed."


def test_media_is_attached_or_detached_only_with_a_correction(published):
    claim = published.claim
    picture = MediaItemFactory()

    with pytest.raises(ClaimPublished):
        claim_media_attach(claim=claim, media_item=picture, actor=editor())
    claim_media_attach(claim=claim, media_item=picture, actor=editor(), correction_note=NOTE)
    with pytest.raises(ClaimPublished):
        claim_media_detach(claim=claim, media_item=picture, actor=editor())

    assert list(claim.media.all()) == [picture]


def test_a_retracted_fact_check_does_not_change_even_with_a_note(published):
    verdict_retract(verdict=published, actor=editor(), reason="Wrong video.")
    evidence = published.claim.evidence.get()

    with pytest.raises(ClaimPublished, match="retracted"):
        evidence_update(evidence=evidence, actor=editor(), title="New", correction_note=NOTE)


def test_a_draft_changes_freely():
    verdict = ready_verdict(publisher=PublisherFactory(is_self=True))
    evidence = EvidenceFactory(claim=verdict.claim)

    evidence_update(evidence=evidence, actor=fact_checker(), title="Better title")
    evidence_remove(evidence=evidence, actor=fact_checker())

    assert not Correction.objects.exists()
