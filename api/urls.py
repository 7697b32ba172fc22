from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api.views.claims import AppearanceViewSet, ClaimViewSet, EvidenceViewSet
from api.views.media import LookupJobViewSet, MediaItemViewSet
from api.views.reference import MeView, PublisherViewSet, RatingScaleViewSet, TopicViewSet
from api.views.verdicts import VerdictViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("claims", ClaimViewSet, basename="claim")
router.register("appearances", AppearanceViewSet, basename="appearance")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("verdicts", VerdictViewSet, basename="verdict")
router.register("media", MediaItemViewSet, basename="media")
router.register("lookups", LookupJobViewSet, basename="lookup")
router.register("topics", TopicViewSet, basename="topic")
router.register("publishers", PublisherViewSet, basename="publisher")
router.register("rating-scales", RatingScaleViewSet, basename="rating-scale")

app_name = "api"
urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from ?script, not inline: the page's
    # Content-Security-Policy allows scripts from this site only.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    path("", include("webhooks.urls")),
    path("", include("imports.urls")),
    path("", include("matching.urls")),
]
