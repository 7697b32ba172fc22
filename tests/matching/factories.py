"""Claims and verdicts for matching tests, stored as the services store them (search columns
included), so that the matcher's queries see them."""

from django.utils import timezone

from claims.models import Claim, Publisher, Verdict
from claims.search import index_claim, index_verdict
from tests.factories import ClaimFactory, PublisherFactory, RatingFactory, VerdictFactory


def claim(text: str, original_text: str = "", language: str = "en", **fields) -> Claim:
    """A claim as the services store it: with its search columns."""
    row = ClaimFactory.build(text=text, original_text=original_text, language=language, **fields)
    index_claim(row)
    row.save()
    return row


def ours() -> Publisher:
    return Publisher.objects.filter(is_self=True).first() or PublisherFactory(is_self=True)


def published(
    text: str,
    original_text: str = "",
    language: str = "en",
    *,
    publisher: Publisher | None = None,
    status: str = Verdict.Status.PUBLISHED,
    **verdict_fields,
) -> Verdict:
    """A claim with a verdict: ours unless `publisher` says otherwise; another publisher's
    verdict is imported (a review URL, its own textual rating), as claims migration 0008 has it.
    """
    subject = claim(text, original_text, language)
    publisher = publisher or ours()
    if not publisher.is_self:
        verdict_fields.setdefault("review_url", f"https://{publisher.site}/checks/{subject.pk}")
        verdict_fields.setdefault("textual_rating", "Misleading")
    public = status in (Verdict.Status.PUBLISHED, Verdict.Status.RETRACTED)
    verdict = VerdictFactory.build(
        claim=subject,
        publisher=publisher,
        rating=RatingFactory(),
        status=status,
        published_at=timezone.now() if public else None,
        retracted_at=timezone.now() if status == Verdict.Status.RETRACTED else None,
        language=language,
        **verdict_fields,
    )
    verdict.rating_scale = verdict.rating.scale
    index_verdict(verdict)
    verdict.save()
    return verdict


def imported(text: str, original_text: str = "", language: str = "en", **fields) -> Verdict:
    return published(text, original_text, language, publisher=PublisherFactory(), **fields)
