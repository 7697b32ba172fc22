"""The project's URLs plus the hand-built baseline the verdict list is compared against."""

from django.urls import path

from bench.baseline import verdict_list_baseline
from factcheck.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/baseline/verdicts/", verdict_list_baseline, name="bench-baseline-verdicts"),
    *project_urlpatterns,
]
