"""Atom and RSS of published, corrected and retracted verdicts, newest change first."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from claims.claimreview import public_url
from claims.models import Verdict
from claims.selectors.public import public_verdict_list

FEED_ITEMS = 50


class LatestFactChecksFeed(Feed):
    description = "Published fact checks, with their corrections and retractions."
    link = "/fact-checks/"

    def title(self) -> str:
        return f"{settings.FACTCHECK_PUBLISHER_NAME}: fact checks"

    def items(self):
        return (
            public_verdict_list()
            .prefetch_related("corrections")
            .order_by("-updated_at")[:FEED_ITEMS]
        )

    def item_title(self, verdict: Verdict) -> str:
        prefix = "Retracted: " if verdict.status == Verdict.Status.RETRACTED else ""
        return f"{prefix}{verdict.rating.label}: {verdict.headline}"

    def item_description(self, verdict: Verdict) -> str:
        corrections = list(verdict.corrections.all())
        latest = (
            f" {corrections[-1].get_kind_display()}: {corrections[-1].note}" if corrections else ""
        )
        return f"Claim: {verdict.claim.text} — {verdict.summary}{latest}"

    def item_link(self, verdict: Verdict) -> str:
        return public_url(verdict)

    def item_guid(self, verdict: Verdict) -> str:
        return public_url(verdict)

    def item_pubdate(self, verdict: Verdict):
        return verdict.published_at

    def item_updateddate(self, verdict: Verdict):
        return verdict.updated_at

    def item_author_name(self, verdict: Verdict) -> str:
        return verdict.publisher.name


class LatestFactChecksAtomFeed(LatestFactChecksFeed):
    feed_type = Atom1Feed
    subtitle = LatestFactChecksFeed.description
