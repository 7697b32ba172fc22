"""Mounted at /v1alpha1/ (factcheck/urls.py), where Google's client libraries expect the API
once `api_endpoint` points at this server. Paths are Google's, colon included."""

from django.urls import path, re_path

from factchecktools import views
from factchecktools.schema import FactCheckToolsSchemaView

app_name = "factchecktools"
urlpatterns = [
    path("claims:search", views.ClaimSearchView.as_view(), name="claims-search"),
    path("claims:imageSearch", views.ClaimImageSearchView.as_view(), name="claims-image-search"),
    path("pages", views.PagesView.as_view(), name="pages"),
    path("pages/<str:page_id>", views.PageView.as_view(), name="page"),
    path("schema/", FactCheckToolsSchemaView.as_view(), name="schema"),
    re_path(r"^.*$", views.unknown_method),
]
