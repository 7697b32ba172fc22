import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from claims.models import Appearance, Claim, Evidence, MediaAuthenticity, Verdict
from claims.services.demo import FUNERAL_CLAIM_TEXT, demo_load, demo_users_reset
from media.models import MediaItem

pytestmark = pytest.mark.django_db


def test_demo_loads_the_funeral_video_case_end_to_end():
    result = demo_load(actor=None)

    claim = Claim.objects.get(text=FUNERAL_CLAIM_TEXT)
    assert (claim.language, claim.claimant) == ("zh", "Chinese-language social media users")
    platforms = [a.platform for a in claim.appearances.order_by("posted_at")]
    assert platforms == [
        Appearance.Platform.X,
        Appearance.Platform.DOUYIN,
        Appearance.Platform.NEWS,
    ]
    first = claim.appearances.get(is_first=True)
    assert (first.platform, first.posted_at.date().isoformat()) == ("x", "2024-12-23")

    [clip] = claim.media.all()
    assert clip.kind == MediaItem.Kind.VIDEO
    archive = MediaItem.objects.filter(in_archive=True).order_by("first_published_at")
    assert [(m.publisher_name[:4], m.first_published_at.year) for m in archive] == [
        ("CCTV", 2015),
        ("YouT", 2020),
    ]
    assert claim.evidence.filter(kind=Evidence.Kind.REVERSE_IMAGE_MATCH).exists()

    verdict = result.funeral_verdict
    assert (verdict.status, verdict.rating.label) == (Verdict.Status.DRAFT, "False")
    assert verdict.media_authenticity == MediaAuthenticity.DECONTEXTUALIZED
    labels = list(verdict.rating_scale.ratings.values_list("label", flat=True))
    assert labels == ["True", "Mostly true", "Missing context", "Misleading", "False", "Unproven"]
    assert Claim.objects.count() == 3


def test_loading_twice_changes_nothing():
    demo_load(actor=None)
    counts = [model.objects.count() for model in (Claim, Appearance, Evidence, MediaItem, Verdict)]
    result = demo_load(actor=None)
    assert result.claims_created == 0
    assert [m.objects.count() for m in (Claim, Appearance, Evidence, MediaItem, Verdict)] == counts


def test_demo_users_can_log_in_with_printed_passwords():
    credentials = demo_users_reset()
    for username, password, role in credentials:
        user = authenticate(username=username, password=password)
        assert user is not None
        assert user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [role]


def test_load_demo_command_prints_credentials(capsys):
    call_command("load_demo", "--users")
    out = capsys.readouterr().out
    assert "funeral claim" in out
    assert "editor" in out
    assert "factchecker" in out
    assert "password:" in out
