from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.views import MeView

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
