"""/api/v1/: each app's endpoints under one namespace, as clients and the schema see them."""

from django.urls import include, path

app_name = "api"
urlpatterns = [
    path("", include("core.api.urls")),
    path("", include("claims.api.urls")),
    path("", include("webhooks.urls")),
    path("", include("imports.urls")),
    path("", include("matching.urls")),
]
