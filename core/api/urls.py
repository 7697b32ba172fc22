from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from core.api.keys import ApiKeyViewSet
from core.api.views import MeView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("keys", ApiKeyViewSet, basename="api-key")

urlpatterns = [
    *router.urls,
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script from ?script, not inline: the page's
    # Content-Security-Policy allows scripts from this site only.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
