from dataclasses import dataclass

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import ClaimMedia, Verdict
from core.services.api_keys import api_key_create
from media.models import LookupJob, LookupMatch
from tests.factories import (
    AppearanceFactory,
    ClaimFactory,
    EvidenceFactory,
    MediaItemFactory,
    PublisherFactory,
    RatingFactory,
    TopicFactory,
    UserFactory,
    VerdictFactory,
    editor,
    fact_checker,
)

ROLES = ["anonymous", "consumer", "fact-checker", "editor"]


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_RATE_LIMITS = {}


def client_for(role: str) -> APIClient:
    client = APIClient()
    if role == "consumer":
        _, key = api_key_create(owner=UserFactory(), name="partner", created_by=None)
        client.credentials(HTTP_X_API_KEY=key)
    elif role == "fact-checker":
        client.force_authenticate(fact_checker())
    elif role == "editor":
        client.force_authenticate(editor())
    return client


@pytest.fixture
def api_client():
    return APIClient()


@dataclass
class World:
    """A published claim and a draft one, with everything hanging off each."""

    public_claim: object
    public_verdict: object
    public_appearance: object
    public_evidence: object
    private_evidence_on_public_claim: object
    public_media: object
    draft_claim: object
    draft_verdict: object
    draft_appearance: object
    draft_evidence: object
    draft_media: object
    lookup: object
    lookup_match: object
    topic: object
    publisher: object
    rating_scale: object


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def transactional_world(transactional_db, django_db_serialized_rollback) -> World:
    """The world committed, for a server in another thread (`live_server`) to see."""
    return build_world()


def build_world() -> World:
    rating = RatingFactory(label="False", value=1)
    ours = PublisherFactory(is_self=True)
    public_verdict = VerdictFactory(
        rating=rating, publisher=ours, status=Verdict.Status.PUBLISHED, published_at=timezone.now()
    )
    public_claim = public_verdict.claim
    public_media = MediaItemFactory()
    ClaimMedia.objects.create(claim=public_claim, media_item=public_media)
    draft_verdict = VerdictFactory(rating=rating, publisher=ours)
    draft_claim = draft_verdict.claim
    draft_media = MediaItemFactory()
    ClaimMedia.objects.create(claim=draft_claim, media_item=draft_media)
    lookup = LookupJob.objects.create(media_item=draft_media)
    return World(
        public_claim=public_claim,
        public_verdict=public_verdict,
        public_appearance=AppearanceFactory(claim=public_claim, is_first=True),
        public_evidence=EvidenceFactory(claim=public_claim),
        private_evidence_on_public_claim=EvidenceFactory(claim=public_claim, is_public=False),
        public_media=public_media,
        draft_claim=draft_claim,
        draft_verdict=draft_verdict,
        draft_appearance=AppearanceFactory(claim=draft_claim),
        draft_evidence=EvidenceFactory(claim=draft_claim),
        draft_media=draft_media,
        lookup=lookup,
        lookup_match=LookupMatch.objects.create(job=lookup, matched_item=public_media, distance=9),
        topic=TopicFactory(),
        publisher=PublisherFactory(),
        rating_scale=rating.scale,
    )


def unused_claim():
    """A claim with nothing depending on it, that may be deleted."""
    return ClaimFactory()
