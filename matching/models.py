"""Suggestions that a claim says the same thing as another claim already logged or imported.

Writes go through `matching.services`; the scores and thresholds are `matching.scoring`'s.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from claims.models import Claim

UNIT_INTERVAL = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class SuggestionStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed: the same claim")
    REJECTED = "rejected", _("Rejected: a different claim")


class ClaimSuggestion(models.Model):
    """`suggested` (ours or imported, with whatever verdicts it has) may be the claim `claim`
    repeats.

    `text_score` comes from the texts (full-text terms and trigram similarity), `media_score`
    from the reverse-image index (empty until media matched); `score` combines both. A strong
    suggestion is a likely duplicate. A fact-checker's decision (`status`, with who and when) is
    final for the matcher: recomputing never changes or re-suggests a decided pair. Confirming
    sets `claim.duplicate_of`.
    """

    Status = SuggestionStatus

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="suggestions")
    suggested = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="suggested_for")
    score = models.FloatField(validators=UNIT_INTERVAL)
    text_score = models.FloatField(default=0.0, validators=UNIT_INTERVAL)
    media_score = models.FloatField(null=True, blank=True, validators=UNIT_INTERVAL)
    is_strong = models.BooleanField(default=False, help_text=_("A likely duplicate."))
    reasons = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("What matched: the fields compared, shared terms, scores, media matches."),
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.SUGGESTED, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "suggested"], name="suggestion_unique_pair"),
            models.CheckConstraint(
                condition=~Q(claim=F("suggested")), name="suggestion_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1), name="suggestion_score_unit"
            ),
            models.CheckConstraint(
                condition=Q(text_score__gte=0, text_score__lte=1),
                name="suggestion_text_score_unit",
            ),
            models.CheckConstraint(
                condition=Q(media_score__isnull=True) | Q(media_score__gte=0, media_score__lte=1),
                name="suggestion_media_score_unit",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SuggestionStatus.values), name="suggestion_status_valid"
            ),
            # A decision names who made it and when; an open suggestion has neither.
            models.CheckConstraint(
                condition=Q(status="suggested", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(status="suggested") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="suggestion_decision_recorded",
            ),
            # A claim repeats at most one other claim (its duplicate_of).
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(status="confirmed"),
                name="suggestion_one_confirmed",
            ),
        ]
        indexes = [
            models.Index(F("claim"), F("score").desc(), F("id").desc(), name="suggestion_by_score"),
        ]

    def __str__(self) -> str:
        return f"Claim #{self.claim_id} may repeat #{self.suggested_id} ({self.score:.2f})"
