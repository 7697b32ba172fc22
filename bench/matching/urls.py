"""The project's URLs plus the plain ILIKE scan the matching endpoints are compared against."""

from django.urls import path

from bench.matching.baseline import ilike_baseline
from factcheck.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/matching/ilike/", ilike_baseline, name="bench-matching-ilike"),
    *project_urlpatterns,
]
