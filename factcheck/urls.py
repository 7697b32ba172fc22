from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from claims.media_files import frame_thumbnail, media_file
from factcheck import health, login_throttle

admin.site.site_header = "Fact check newsroom"
admin.site.site_title = "Fact check newsroom"
admin.site.index_title = "Claims, evidence and verdicts"
# The admin's "View site" leads to the newsroom's desk.
admin.site.site_url = "/desk/"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Before the admin's own routes: its login, rate-limited.
    path("admin/login/", login_throttle.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("factcheck.api_urls")),
    path("fact-checks/", include("public.urls")),
    path("desk/", include("desk.urls")),
    # Google's Fact Check Tools API paths, at the root as Google serves them.
    path("v1alpha1/", include("factchecktools.urls")),
    # Uploads, with the API's visibility (claims/media_files.py); never served straight from disk.
    re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", media_file, name="media-file"),
    # Frame thumbnails, with the visibility of their item's file.
    path("frames/<int:media_item_id>/<str:offset>.jpg", frame_thumbnail, name="frame-thumbnail"),
]

handler400 = "factcheck.errors.bad_request"
handler403 = "factcheck.errors.permission_denied"
handler404 = "factcheck.errors.page_not_found"
handler500 = "factcheck.errors.server_error"
