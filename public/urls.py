from django.urls import path

from public import feeds, views

urlpatterns = [
    path("", views.fact_check_list, name="fact-check-list"),
    path("feed/rss/", feeds.LatestFactChecksFeed(), name="fact-check-feed-rss"),
    path("feed/atom/", feeds.LatestFactChecksAtomFeed(), name="fact-check-feed-atom"),
    path("feed/claimreview.json", views.claim_review_feed, name="fact-check-feed-claimreview"),
    path("<slug:slug>/", views.fact_check_detail, name="fact-check-detail"),
]
