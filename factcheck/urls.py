from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from factcheck import health

admin.site.site_header = "Fact check newsroom"
admin.site.site_title = "Fact check newsroom"
admin.site.index_title = "Claims, evidence and verdicts"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("factcheck.api_urls")),
    path("fact-checks/", include("claims.urls")),
    # Google's Fact Check Tools API paths, at the root as Google serves them.
    path("v1alpha1/", include("factchecktools.urls")),
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

handler400 = "factcheck.errors.bad_request"
handler403 = "factcheck.errors.permission_denied"
handler404 = "factcheck.errors.page_not_found"
handler500 = "factcheck.errors.server_error"
