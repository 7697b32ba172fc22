from datetime import date

import pytest
from django.core.exceptions import ValidationError

from claims.models import Appearance, Claim, ClaimMedia
from claims.services.claims import (
    appearance_add,
    appearance_update,
    claim_create,
    claim_media_attach,
    claim_update,
)
from tests.factories import ClaimFactory, MediaItemFactory, TopicFactory, fact_checker

pytestmark = pytest.mark.django_db


def test_create_logs_claim_with_topics_and_appearances():
    checker = fact_checker()
    topic = TopicFactory()

    claim = claim_create(
        created_by=checker,
        text="A video shows a state funeral.",
        original_text="国葬视频",
        language="zh",
        claimant="Social media users",
        claim_date=date(2024, 12, 23),
        topics=[topic],
        appearances=[
            {"url": "https://x.com/a/status/1", "platform": Appearance.Platform.X},
            {"url": "https://www.douyin.com/video/2", "platform": Appearance.Platform.DOUYIN},
        ],
    )

    claim.refresh_from_db()
    assert claim.created_by == checker
    assert list(claim.topics.all()) == [topic]
    first, second = claim.appearances.order_by("id")
    assert (first.is_first, second.is_first) == (True, False)


def test_create_with_a_bad_appearance_stores_nothing():
    with pytest.raises(ValidationError) as error:
        claim_create(
            created_by=fact_checker(),
            text="Something checkable.",
            language="en",
            appearances=[
                {"url": "https://x.com/a/status/1"},
                {"url": "ftp://files.example.org/video.mp4"},
            ],
        )
    assert "url" in error.value.error_dict
    assert not Claim.objects.exists()
    assert not Appearance.objects.exists()


def test_create_rejects_empty_text_and_bad_language():
    with pytest.raises(ValidationError) as error:
        claim_create(created_by=None, text="", language="Korean")
    assert set(error.value.error_dict) == {"text", "language"}


def test_update_changes_fields_and_replaces_topics():
    claim = ClaimFactory()
    claim.topics.add(TopicFactory())
    new_topic = TopicFactory()

    updated = claim_update(
        claim=claim,
        actor=fact_checker(),
        status=Claim.Status.RESEARCHING,
        claimant="A politician",
        topics=[new_topic],
    )

    updated.refresh_from_db()
    assert (updated.status, updated.claimant) == ("researching", "A politician")
    assert list(updated.topics.all()) == [new_topic]


def test_update_refuses_fields_that_are_not_editable():
    with pytest.raises(TypeError):
        claim_update(claim=ClaimFactory(), actor=None, created_by=None)


def test_update_refuses_duplicate_of_itself():
    claim = ClaimFactory()
    with pytest.raises(ValidationError):
        claim_update(claim=claim, actor=None, duplicate_of=claim)
    claim.refresh_from_db()
    assert claim.duplicate_of is None


def test_marking_duplicate_points_at_the_original():
    original, repeat = ClaimFactory(), ClaimFactory()
    claim_update(claim=repeat, actor=None, duplicate_of=original)
    assert list(original.duplicates.all()) == [repeat]


def test_first_appearance_moves_when_an_earlier_one_is_found():
    claim = ClaimFactory()
    later = appearance_add(claim=claim, actor=None, url="https://t.me/channel/9")
    assert later.is_first

    earlier = appearance_add(claim=claim, actor=None, url="https://x.com/a/status/1", is_first=True)

    later.refresh_from_db()
    assert (earlier.is_first, later.is_first) == (True, False)


def test_second_appearance_is_not_first_by_default():
    claim = ClaimFactory()
    appearance_add(claim=claim, actor=None, url="https://x.com/a/status/1")
    second = appearance_add(claim=claim, actor=None, url="https://x.com/b/status/2")
    assert not second.is_first


def test_appearance_update_can_make_it_first():
    claim = ClaimFactory()
    first = appearance_add(claim=claim, actor=None, url="https://x.com/a/status/1")
    second = appearance_add(claim=claim, actor=None, url="https://x.com/b/status/2")

    appearance_update(appearance=second, actor=None, is_first=True)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_first, second.is_first) == (False, True)


def test_duplicate_appearance_url_is_refused():
    claim = ClaimFactory()
    appearance_add(claim=claim, actor=None, url="https://x.com/a/status/1")
    with pytest.raises(ValidationError):
        appearance_add(claim=claim, actor=None, url="https://x.com/a/status/1")
    assert claim.appearances.count() == 1


def test_attaching_media_twice_keeps_one_link():
    claim, item = ClaimFactory(), MediaItemFactory()
    claim_media_attach(claim=claim, media_item=item, actor=None)
    claim_media_attach(claim=claim, media_item=item, actor=None, note="As posted on X.")
    link = ClaimMedia.objects.get()
    assert link.note == "As posted on X."
