from rest_framework.routers import DefaultRouter

from claims.api.views.claims import AppearanceViewSet, ClaimViewSet, EvidenceViewSet
from claims.api.views.hash_lists import HashListViewSet
from claims.api.views.media import LookupJobViewSet, MediaItemViewSet
from claims.api.views.reference import PublisherViewSet, RatingScaleViewSet, TopicViewSet
from claims.api.views.verdicts import VerdictViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("claims", ClaimViewSet, basename="claim")
router.register("appearances", AppearanceViewSet, basename="appearance")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("verdicts", VerdictViewSet, basename="verdict")
router.register("media", MediaItemViewSet, basename="media")
router.register("lookups", LookupJobViewSet, basename="lookup")
router.register("hash-lists", HashListViewSet, basename="hash-list")
router.register("topics", TopicViewSet, basename="topic")
router.register("publishers", PublisherViewSet, basename="publisher")
router.register("rating-scales", RatingScaleViewSet, basename="rating-scale")

urlpatterns = router.urls
