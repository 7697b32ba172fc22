"""ClaimReview markup pages written through the Fact Check Tools API (`pages.*`).

A page is a fact-check article on the web that carries one or more ClaimReviews. Each ClaimReview
on it is one of our Claims with a published Verdict of the page's publisher; these rows hold the
page and what the markup says beyond what claims and verdicts store.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from claims.models import Publisher, Verdict
from core.validators import HTTP_URL_PATTERN, HttpUrlField


class ClaimReviewPage(models.Model):
    """A web page with ClaimReview markup, as `ClaimReviewMarkupPage`: its URL (canonical: lower
    case host, no fragment), the publisher whose site it is on, and the page-level fields.
    Its API name is `pages/{id}`."""

    page_url = HttpUrlField(unique=True)
    publisher = models.ForeignKey(
        Publisher, on_delete=models.PROTECT, related_name="claim_review_pages"
    )
    publish_date = models.DateField(null=True, blank=True)
    author_name = models.CharField(
        max_length=200, blank=True, help_text=_("claimReviewAuthor.name, as written.")
    )
    author_image_url = HttpUrlField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(page_url__regex=HTTP_URL_PATTERN), name="claim_review_page_url_http"
            ),
        ]

    def __str__(self) -> str:
        return self.page_url


class ClaimReviewMarkup(models.Model):
    """One ClaimReview on a page: the verdict it became, its place on the page, and the fields
    of the markup that claims and verdicts do not hold. `url` is empty when the review uses the
    page URL; otherwise it is the page URL with a fragment."""

    page = models.ForeignKey(ClaimReviewPage, on_delete=models.CASCADE, related_name="markups")
    verdict = models.OneToOneField(
        Verdict, on_delete=models.PROTECT, related_name="claim_review_markup"
    )
    position = models.PositiveSmallIntegerField()
    url = HttpUrlField(blank=True)
    claim_location = models.CharField(max_length=300, blank=True)
    claim_author_job_title = models.CharField(max_length=200, blank=True)
    claim_author_image_url = HttpUrlField(blank=True)
    claim_author_same_as = HttpUrlField(blank=True)
    # The publisher's own numbers, kept for pages whose ratings are not steps of our scales.
    rating_value = models.IntegerField(null=True, blank=True)
    best_rating = models.IntegerField(null=True, blank=True)
    worst_rating = models.IntegerField(null=True, blank=True)
    rating_image_url = HttpUrlField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["page", "position"]
        constraints = [
            # Deferred: an update reorders a page's reviews one row at a time.
            models.UniqueConstraint(
                fields=["page", "position"],
                name="claim_review_markup_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__regex=HTTP_URL_PATTERN),
                name="claim_review_markup_url_http",
            ),
        ]

    def __str__(self) -> str:
        return f"ClaimReview {self.position + 1} on {self.page}"
