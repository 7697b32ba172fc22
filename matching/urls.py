"""Claim matching routes, included by `factcheck/api_urls.py` under `/api/v1/` and its `api`
namespace: `api:claim-suggestion-list`, `api:claim-suggestion-detail`,
`api:claim-suggestion-confirm`, `api:claim-suggestion-reject` and `api:check`."""

from django.urls import path, re_path

from matching.api import CheckView, ClaimSuggestionViewSet

ID = "[0-9]{1,18}"
SUGGESTIONS = rf"^claims/(?P<claim_pk>{ID})/suggestions/"
ONE = rf"{SUGGESTIONS}(?P<pk>{ID})/"

urlpatterns = [
    re_path(
        rf"{SUGGESTIONS}$",
        ClaimSuggestionViewSet.as_view({"get": "list"}),
        name="claim-suggestion-list",
    ),
    re_path(
        rf"{ONE}$",
        ClaimSuggestionViewSet.as_view({"get": "retrieve"}),
        name="claim-suggestion-detail",
    ),
    re_path(
        rf"{ONE}confirm/$",
        ClaimSuggestionViewSet.as_view({"post": "confirm"}),
        name="claim-suggestion-confirm",
    ),
    re_path(
        rf"{ONE}reject/$",
        ClaimSuggestionViewSet.as_view({"post": "reject"}),
        name="claim-suggestion-reject",
    ),
    path("check/", CheckView.as_view(), name="check"),
]
