"""Import routes, included by `factcheck/api_urls.py` under `/api/v1/` and its `api` namespace
(the names are `api:import-list`, `api:import-detail`, `api:import-rejects`,
`api:import-resume`)."""

from rest_framework.routers import SimpleRouter

from imports.api import ImportJobViewSet

router = SimpleRouter(trailing_slash=True)
router.register("imports", ImportJobViewSet, basename="import")

urlpatterns = router.urls
