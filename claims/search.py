"""The search columns of claims and verdicts, computed with core.search's CJK-aware tokens."""

from core.search import search_document


def index_claim(claim) -> None:
    """Set a claim's search columns from its text, original text and claimant (not saved)."""
    fields = (claim.text, claim.original_text, claim.claimant)
    claim.search_text = "\n".join(field for field in fields if field)
    claim.search_document = search_document(*fields)


def index_verdict(verdict) -> None:
    """Set a verdict's search columns: its claim's fields plus headline and summary (not saved)."""
    claim = verdict.claim
    fields = (claim.text, claim.original_text, claim.claimant, verdict.headline, verdict.summary)
    verdict.search_text = "\n".join(field for field in fields if field)
    verdict.search_document = search_document(*fields)
