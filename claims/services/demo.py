"""The demo newsroom: Asia Fact Check Lab's check of the "Kim Yong Bok state funeral" video, end to
end, and a couple of other claims from the same news cycle.

Everything is written through the services, so the demo obeys the same rules as real work, and
loading it twice changes nothing: each object is looked up by its natural key first.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.files.base import ContentFile
from django.db import transaction

from claims.models import (
    Appearance,
    Claim,
    Evidence,
    MediaAuthenticity,
    Rating,
    RatingScale,
    Topic,
    Verdict,
)
from claims.services.claims import claim_create, claim_media_attach
from claims.services.evidence import evidence_add
from claims.services.publishers import publisher_get_or_create_self
from claims.services.verdicts import verdict_create_draft
from core.roles import EDITOR, FACT_CHECKER
from media import demo_media
from media.models import MediaItem
from media.services.lookups import lookup_request, media_item_hash
from media.services.media import media_item_create

DEMO_SCALE_NAME = "Newsroom scale"
# (label, value): value is ClaimReview's ratingValue on a 1 (worst) to 5 (best) scale; Unproven
# is not a point on it.
DEMO_RATINGS = [
    ("True", 5, "The claim is accurate."),
    ("Mostly true", 4, "Accurate, with minor errors or omissions."),
    ("Missing context", 3, "Accurate as far as it goes, but leaves a false impression."),
    ("Misleading", 2, "Mixes accurate elements with distortion."),
    ("False", 1, "The claim is inaccurate."),
    ("Unproven", None, "There is not enough evidence to say."),
]

FUNERAL_CLAIM_TEXT = "A video shows the state funeral of North Korean general Kim Yong Bok."
FUNERAL_ORIGINAL_TEXT = "朝鲜为金永福大将举行国葬的视频。"
CCTV_ORIGINAL_URL = "https://tv.cctv.com/2015/11/09/demo-ri-ul-sol-state-funeral.shtml"
YOUTUBE_REUPLOAD_URL = "https://www.youtube.com/watch?v=demoRiUlSol"
X_POST_URL = "https://x.com/demo_account/status/1871234567890123456"


@dataclass(frozen=True)
class DemoResult:
    funeral_claim: Claim
    funeral_verdict: Verdict
    claims_created: int


def _rating_scale() -> RatingScale:
    scale, _ = RatingScale.objects.get_or_create(
        name=DEMO_SCALE_NAME,
        defaults={
            "description": "Six ratings, from True to False, and Unproven.",
            "best_value": 5,
            "worst_value": 1,
        },
    )
    for label, value, description in DEMO_RATINGS:
        Rating.objects.get_or_create(
            scale=scale, label=label, defaults={"value": value, "description": description}
        )
    return scale


def _topic(name: str, slug: str) -> Topic:
    topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name": name})
    return topic


def _media(
    *, actor: AbstractBaseUser | None, original_url: str, make_bytes, name: str, **provenance
) -> MediaItem:
    item = MediaItem.objects.filter(original_url=original_url).first()
    if item is None:
        item, _ = media_item_create(
            actor=actor,
            file=ContentFile(make_bytes(), name=name),
            original_url=original_url,
            queue_hashing=False,
            **provenance,
        )
    if item.hashed_at is None:
        # Inline rather than queued: the demo's lookup needs the archive indexed, worker or not.
        item = media_item_hash(media_item_id=item.pk)
    return item


def _claim(*, actor: AbstractBaseUser | None, text: str, **fields) -> tuple[Claim, bool]:
    existing = Claim.objects.filter(text=text).first()
    if existing is not None:
        return existing, False
    return claim_create(created_by=actor, text=text, **fields), True


def _evidence(*, claim: Claim, actor: AbstractBaseUser | None, title: str, **fields) -> None:
    if not claim.evidence.filter(title=title).exists():
        evidence_add(claim=claim, actor=actor, title=title, **fields)


@transaction.atomic
def demo_load(*, actor: AbstractBaseUser | None) -> DemoResult:
    """Load the demo case. Generates its footage (a few seconds of CPU) on the first run only."""
    scale = _rating_scale()
    publisher_get_or_create_self()
    north_korea = _topic("North Korea", "north-korea")
    viral_video = _topic("Viral video", "viral-video")
    economy = _topic("Economy", "economy")

    cctv = _media(
        actor=actor,
        original_url=CCTV_ORIGINAL_URL,
        make_bytes=demo_media.cctv_original,
        name="cctv-2015-ri-ul-sol-funeral.mp4",
        first_published_at=datetime(2015, 11, 9, 12, 0, tzinfo=UTC),
        publisher_name="CCTV",
        caption="CCTV report on the state funeral of marshal Ri Ul Sol, Pyongyang.",
        in_archive=True,
    )
    youtube = _media(
        actor=actor,
        original_url=YOUTUBE_REUPLOAD_URL,
        make_bytes=demo_media.youtube_reupload,
        name="youtube-2020-reupload.mp4",
        first_published_at=datetime(2020, 6, 14, 8, 30, tzinfo=UTC),
        publisher_name="YouTube channel re-uploading CCTV archive footage",
        caption="2020 YouTube re-upload of CCTV's 2015 footage of Ri Ul Sol's funeral.",
        in_archive=True,
    )
    clip = _media(
        actor=actor,
        original_url=X_POST_URL,
        make_bytes=demo_media.x_clip,
        name="x-2024-funeral-clip.mp4",
        caption="Clip as posted on X with a caption naming general Kim Yong Bok.",
    )

    created = 0
    funeral, is_new = _claim(
        actor=actor,
        text=FUNERAL_CLAIM_TEXT,
        original_text=FUNERAL_ORIGINAL_TEXT,
        language="zh",
        claimant="Chinese-language social media users",
        claim_date=date(2024, 12, 23),
        first_seen_at=datetime(2024, 12, 23, 9, 15, tzinfo=UTC),
        status=Claim.Status.RESEARCHING,
        topics=[north_korea, viral_video],
        appearances=[
            {
                "url": X_POST_URL,
                "platform": Appearance.Platform.X,
                "posted_at": datetime(2024, 12, 23, 3, 40, tzinfo=UTC),
                "author_handle": "@demo_account",
                "archived_url": "https://archive.ph/demoX2024",
                "is_first": True,
            },
            {
                "url": "https://www.douyin.com/video/7451234567890123456",
                "platform": Appearance.Platform.DOUYIN,
                "posted_at": datetime(2024, 12, 23, 11, 5, tzinfo=UTC),
                "author_handle": "demo_douyin_user",
                "archived_url": "https://archive.ph/demoDouyin2024",
            },
            {
                "url": "https://newtalk.tw/news/view/2024-12-24/demo-kim-yong-bok-funeral",
                "platform": Appearance.Platform.NEWS,
                "posted_at": datetime(2024, 12, 24, 2, 0, tzinfo=UTC),
                "author_handle": "Newtalk News",
                "archived_url": "https://archive.ph/demoNewtalk2024",
            },
        ],
    )
    created += is_new
    claim_media_attach(
        claim=funeral, media_item=clip, actor=actor, note="The video as posted on X."
    )
    if not clip.lookup_jobs.exists():
        # The worker finds the CCTV footage and its 2020 re-upload, 8 seconds in.
        lookup_request(media_item=clip, actor=actor)
    _evidence(
        claim=funeral,
        actor=actor,
        kind=Evidence.Kind.REVERSE_IMAGE_MATCH,
        relation=Evidence.Relation.REFUTES,
        title="The clip's frames match a 2020 YouTube upload of CCTV's 2015 funeral footage",
        url=YOUTUBE_REUPLOAD_URL,
        archived_url="https://archive.ph/demoYouTube2020",
        source_date=date(2020, 6, 14),
        media_item=youtube,
        note="Keyframes from 0:08 to 0:20 of the CCTV footage; same cortege, flags and crowd.",
    )
    _evidence(
        claim=funeral,
        actor=actor,
        kind=Evidence.Kind.ARCHIVED_SOURCE,
        relation=Evidence.Relation.REFUTES,
        title="CCTV report of marshal Ri Ul Sol's state funeral, November 2015",
        url=CCTV_ORIGINAL_URL,
        source_date=date(2015, 11, 9),
        media_item=cctv,
        note="The earliest known copy of the footage.",
    )
    _evidence(
        claim=funeral,
        actor=actor,
        kind=Evidence.Kind.OFFICIAL_STATEMENT,
        relation=Evidence.Relation.CONTEXT,
        title="State media announced Ri Ul Sol's death and state funeral in November 2015",
        source_date=date(2015, 11, 8),
    )

    verdict = Verdict.objects.filter(
        claim=funeral, publisher=publisher_get_or_create_self()
    ).first() or verdict_create_draft(
        claim=funeral,
        actor=actor,
        rating=scale.ratings.get(label="False"),
        headline="Video of a 'state funeral for general Kim Yong Bok' is 2015 footage of "
        "marshal Ri Ul Sol's funeral",
        summary="The clip comes from CCTV's November 2015 report on the state funeral of North "
        "Korean marshal Ri Ul Sol, re-uploaded to YouTube in 2020. It does not show a funeral "
        "for general Kim Yong Bok.",
        body="In late December 2024 a video spread on X, Douyin and Newtalk News with the claim "
        "that it showed North Korea's state funeral for general Kim Yong Bok. A reverse image "
        "search of its keyframes found the same footage in a 2020 YouTube upload of CCTV's "
        "report on the funeral of marshal Ri Ul Sol, first broadcast on 9 November 2015.",
        media_authenticity=MediaAuthenticity.DECONTEXTUALIZED,
        language="en",
    )

    still = _media(
        actor=actor,
        original_url="https://t.me/demo_channel/4821",
        make_bytes=lambda: demo_media.still(7),
        name="telegram-pyongyang-street.jpg",
        caption="Photo shared on Telegram said to show empty Pyongyang streets.",
    )
    streets, is_new = _claim(
        actor=actor,
        text="A photo shows Pyongyang's streets emptied for the general's funeral procession.",
        language="en",
        claimant="Telegram channel",
        claim_date=date(2024, 12, 24),
        topics=[north_korea],
        appearances=[
            {"url": "https://t.me/demo_channel/4821", "platform": Appearance.Platform.TELEGRAM}
        ],
    )
    created += is_new
    claim_media_attach(claim=streets, media_item=still, actor=actor)
    _, is_new = _claim(
        actor=actor,
        text="North Korea issued new banknotes in December 2024.",
        original_text="북한이 2024년 12월 새 지폐를 발행했다.",
        language="ko",
        claimant="YouTube commentary channel",
        claim_date=date(2024, 12, 26),
        topics=[north_korea, economy],
        appearances=[
            {
                "url": "https://www.youtube.com/watch?v=demoBanknotes",
                "platform": Appearance.Platform.YOUTUBE,
            }
        ],
    )
    created += is_new
    return DemoResult(funeral_claim=funeral, funeral_verdict=verdict, claims_created=created)


DEMO_USERS = [("editor", EDITOR), ("factchecker", FACT_CHECKER)]


@transaction.atomic
def demo_users_reset() -> list[tuple[str, str, str]]:
    """Create (or reset) the demo editor and fact-checker with fresh random passwords.

    Returns (username, password, role) for printing: the passwords are stored only as hashes.
    """
    User = get_user_model()
    credentials = []
    for username, role in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_staff = True
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        credentials.append((username, password, role))
    return credentials
