from django.urls import path

from desk import views

app_name = "desk"
urlpatterns = [
    path("", views.home, name="home"),
    path("lookups/", views.lookups_section, name="lookups"),
    path("intake/", views.intake, name="intake"),
    path("claims/<int:claim_id>/", views.claim_page, name="claim"),
    path("claims/<int:claim_id>/take/", views.claim_take, name="claim-take"),
    path("claims/<int:claim_id>/verdict/", views.claim_verdict, name="claim-verdict"),
    path("verdicts/<int:verdict_id>/<str:action>/", views.verdict_action, name="verdict-action"),
    path("media/<int:media_item_id>/", views.media_page, name="media"),
    path("media/<int:media_item_id>/lookup/", views.media_lookup, name="media-lookup"),
    path("lookups/<int:job_id>/", views.lookup_page, name="lookup"),
    path(
        "lookups/<int:job_id>/matches/<int:match_id>/evidence/",
        views.match_evidence,
        name="match-evidence",
    ),
    path(
        "suggestions/<int:suggestion_id>/<str:decision>/",
        views.suggestion_decide,
        name="suggestion-decide",
    ),
    path("keys/", views.api_keys, name="keys"),
    path("keys/<int:key_id>/revoke/", views.api_key_revoke, name="key-revoke"),
]
