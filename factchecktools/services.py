"""Writes of ClaimReview markup pages (pages.create, pages.update, pages.delete) onto our domain.

Each ClaimReview on a page becomes a Claim (claimReviewed, claimant, claim date, appearances)
with a published Verdict of the page's publisher: the Publisher whose site the page URL is on.
Markup pages describe fact-checks already published on the web, so their verdicts are published
at once, and only editors (who may publish) write them.

- Ratings: the textual rating is kept as written (`Verdict.textual_rating`). Where it is the label
  of a step of our scales (without case; see _rating_for for a label on several scales) the
  verdict gets that step too. Our own verdicts must: our public pages and feeds show a step of
  our scale. Other publishers' verdicts keep only the textual rating otherwise.
- The markup has no language: the claim's and verdict's language is that of its script for
  Chinese, Japanese and Korean text, and the site's LANGUAGE_CODE otherwise.
- The markup has no headline or summary: the headline is the claim reviewed, the summary the
  rating explanation (or, without one, the textual rating: published verdicts need a summary).
- An update is a full replacement, matched by claim: a ClaimReview whose claimReviewed is already
  on the page keeps its claim and verdict. A changed rating or explanation is published as a
  dated public Correction ("update"), as every change of a published verdict is; a changed
  claimant or claim date is refused (claims.services.claims: what a published verdict reviewed
  does not change). ClaimReviews no longer on the page are removed as on delete.
- Removal (update or delete): our own verdicts are retracted, never deleted: readers and
  subscribers were told of them, and a retraction says publicly that they are withdrawn. Other
  publishers' verdicts are deleted, with their claim unless the newsroom has since added
  evidence, media or another verdict to it: they are copies of markup that its publisher has
  taken down.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from claims.claimreview import short_claim
from claims.models import Claim, Correction, Publisher, Rating, RatingScale, Verdict
from claims.ratings import map_rating
from claims.selectors.reference import rating_scale_steps
from claims.services.claims import (
    ClaimPublished,
    appearance_add,
    appearance_remove,
    appearance_update,
    claim_create,
    claim_delete,
    claim_update,
)
from claims.services.verdicts import verdict_create_draft, verdict_update_draft
from claims.services.workflow import (
    NotReadyToPublish,
    verdict_correct,
    verdict_publish,
    verdict_publish_external,
    verdict_remove_external,
    verdict_retract,
    verdict_submit,
)
from core.exceptions import ApplicationError, InvalidTransition, PermissionDenied
from core.roles import is_editor
from core.services.common import save_validated
from factchecktools.models import ClaimReviewMarkup, ClaimReviewPage
from factchecktools.selectors import claim_review_page_list, claim_review_page_version

HEADLINE_MAX = 300
# Public notes on our verdicts. History keeps a change reason of at most 100 characters, and
# verdict_retract and _verdict_revise put the note into it: no URLs in these.
REVISED_NOTE = "Rating updated in the ClaimReview markup of the fact-check's page."
REMOVED_NOTE = "Removed from the ClaimReview markup of the fact-check's page."


@dataclass(frozen=True)
class ClaimAuthorData:
    name: str = ""
    job_title: str = ""
    image_url: str = ""
    same_as: str = ""


@dataclass(frozen=True)
class RatingData:
    textual_rating: str
    rating_value: int | None = None
    best_rating: int | None = None
    worst_rating: int | None = None
    explanation: str = ""
    image_url: str = ""


@dataclass(frozen=True)
class MarkupData:
    """One ClaimReview of a page (`ClaimReviewMarkup`)."""

    claim_reviewed: str
    rating: RatingData
    url: str = ""
    claim_date: date | None = None
    claim_author: ClaimAuthorData = field(default_factory=ClaimAuthorData)
    claim_location: str = ""
    first_appearance: str = ""
    appearances: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageData:
    """A page and all its ClaimReviews (`ClaimReviewMarkupPage`)."""

    page_url: str
    markups: tuple[MarkupData, ...]
    publish_date: date | None = None
    author_name: str = ""
    author_image_url: str = ""


class MarkupInvalid(ApplicationError):
    """The markup is well formed but does not fit our data; `extra["field"]` says where."""

    code = "markup_invalid"

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, extra={"field": f"claim_review_markup_page.{field}"})


class PageExists(ApplicationError):
    code = "page_exists"
    status_code = 409


class VersionMismatch(ApplicationError):
    """The page changed since the version the caller read (Google: ABORTED)."""

    code = "version_mismatch"
    status_code = 409


def canonical_page_url(url: str) -> str:
    """The page URL as pages are stored and looked up: lower-case scheme and host, no default
    port, no fragment (a fragment points into the page, it is not another page)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        raise MarkupInvalid("The port is out of range.", field="page_url") from None
    netloc = host
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        netloc = f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _publisher_for(page_url: str) -> Publisher:
    """The publisher whose site the page is on: the host itself or the nearest parent domain
    that is a publisher's site (`www.` is not part of a site)."""
    host = (urlsplit(page_url).hostname or "").lower().removeprefix("www.")
    labels = host.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    publishers = {p.site: p for p in Publisher.objects.filter(site__in=candidates)}
    for candidate in candidates:
        if candidate in publishers:
            return publishers[candidate]
    raise MarkupInvalid(
        f"No publisher has the site {host}; add the publisher before writing its markup.",
        field="page_url",
    )


def _require_editor(actor: AbstractBaseUser | None) -> None:
    if actor is None or not is_editor(actor):
        raise PermissionDenied("Markup pages publish verdicts; only editors may write them.")


_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _language_of(text: str) -> str:
    if _HANGUL.search(text):
        return "ko"
    if _KANA.search(text):
        return "ja"
    if _HAN.search(text):
        return "zh"
    return settings.LANGUAGE_CODE


def _claim_key(text: str) -> str:
    return " ".join(text.split())


def _rating_for(
    rating: RatingData, *, publisher: Publisher, field: str
) -> tuple[Rating | None, RatingScale]:
    """The step of our scales the rating means, with its scale. Our own markup names a step by
    its label; a label on several scales is resolved by `bestRating`/`worstRating`, then by the
    newsroom's default scale (FACTCHECK_DEFAULT_RATING_SCALE). Another publisher's rating is
    mapped onto the default scale as imports map it (claims.ratings: synonyms in many languages,
    sentences, numbers), and keeps no step when none is clear."""
    default = settings.FACTCHECK_DEFAULT_RATING_SCALE
    if not publisher.is_self:
        scale = RatingScale.objects.filter(name=default).prefetch_related("ratings").first()
        if scale is None:
            raise MarkupInvalid(
                f'The default rating scale "{default}" does not exist; create it first.',
                field=field,
            )
        step = map_rating(
            textual=rating.textual_rating,
            value=rating.rating_value,
            best=rating.best_rating,
            worst=rating.worst_rating,
            steps=rating_scale_steps(scale),
        )
        return step, scale
    steps = list(Rating.objects.select_related("scale").filter(label__iexact=rating.textual_rating))
    if rating.best_rating is not None and rating.worst_rating is not None:
        bounds = (rating.best_rating, rating.worst_rating)
        steps = [s for s in steps if (s.scale.best_value, s.scale.worst_value) == bounds]
    if len(steps) > 1:
        steps = [step for step in steps if step.scale.name == default] or steps
    if len(steps) == 1:
        return steps[0], steps[0].scale
    if steps:
        reason = "is on several of our scales; give bestRating and worstRating"
    else:
        labels = sorted(set(Rating.objects.values_list("label", flat=True)))
        reason = "is not a rating of our scales (" + ", ".join(labels) + ")"
    raise MarkupInvalid(f'"{rating.textual_rating}" {reason}.', field=field)


def _published_at(page: ClaimReviewPage) -> datetime:
    if page.publish_date is None:
        return timezone.now()
    day = page.publish_date
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _appearance_urls(markup: MarkupData) -> list[str]:
    """The claim's appearances, the first one first, each once."""
    urls = [markup.first_appearance] if markup.first_appearance else []
    return list(dict.fromkeys(urls + [url for url in markup.appearances if url]))


def _markup_row(markup: MarkupData, row: ClaimReviewMarkup, position: int) -> ClaimReviewMarkup:
    row.position = position
    row.url = markup.url
    row.claim_location = markup.claim_location
    row.claim_author_job_title = markup.claim_author.job_title
    row.claim_author_image_url = markup.claim_author.image_url
    row.claim_author_same_as = markup.claim_author.same_as
    row.rating_value = markup.rating.rating_value
    row.best_rating = markup.rating.best_rating
    row.worst_rating = markup.rating.worst_rating
    row.rating_image_url = markup.rating.image_url
    return row


def _markup_create(
    page: ClaimReviewPage, position: int, markup: MarkupData, *, actor: AbstractBaseUser
) -> ClaimReviewMarkup:
    path = f"claim_review_markups[{position}]"
    rating, scale = _rating_for(
        markup.rating, publisher=page.publisher, field=f"{path}.rating.textual_rating"
    )
    draft = {
        "actor": actor,
        "rating": rating,
        "rating_scale": scale,
        "headline": short_claim(markup.claim_reviewed, HEADLINE_MAX),
        "summary": markup.rating.explanation or markup.rating.textual_rating,
    }
    if page.publisher.is_self:
        verdict = _our_verdict_published(markup, draft, field=f"{path}.claim_reviewed")
    else:
        language = _language_of(markup.claim_reviewed)
        claim = claim_create(
            created_by=actor,
            text=markup.claim_reviewed,
            language=language,
            claimant=markup.claim_author.name,
            claim_date=markup.claim_date,
            status=Claim.Status.CHECKED,
        )
        # Not through claim_create, which makes the first listed appearance the first one: the
        # markup may name no first appearance.
        _appearances_sync(
            claim, _appearance_urls(markup), bool(markup.first_appearance), actor=actor
        )
        verdict = verdict_create_draft(
            claim=claim,
            language=language,
            publisher=page.publisher,
            textual_rating=markup.rating.textual_rating,
            **draft,
        )
        verdict = verdict_publish_external(
            verdict=verdict, actor=actor, published_at=_published_at(page)
        )
    row = _markup_row(markup, ClaimReviewMarkup(page=page, verdict=verdict), position)
    save_validated(row, actor=actor)
    return row


def _our_verdict_published(markup: MarkupData, draft: dict, *, field: str) -> Verdict:
    """Markup on our own site publishes the newsroom's claim with that text, through review
    and the publication checks (evidence, first appearance) like any verdict of ours: the
    claim is researched in the newsroom first, the markup only says it is published."""
    actor = draft["actor"]
    key = _claim_key(markup.claim_reviewed).casefold()
    candidates = [
        claim
        for claim in Claim.objects.filter(text__iexact=markup.claim_reviewed.strip()).exclude(
            pk__in=Verdict.objects.filter(
                publisher__is_self=True,
                status__in=[Verdict.Status.PUBLISHED, Verdict.Status.RETRACTED],
            ).values("claim_id")
        )
        if _claim_key(claim.text).casefold() == key
    ]
    if not candidates:
        raise NotReadyToPublish(
            "This newsroom has no claim with this text to publish: log the claim with its "
            "evidence and first appearance first.",
            extra={"field": f"claim_review_markup_page.{field}"},
        )
    if len(candidates) > 1:
        raise MarkupInvalid(
            f"{len(candidates)} of our claims have this text; publish one from the newsroom.",
            field=field,
        )
    claim = candidates[0]
    stated = {"claimant": markup.claim_author.name, "claim_date": markup.claim_date}
    changes = {
        name: value for name, value in stated.items() if value and value != getattr(claim, name)
    }
    if changes:
        claim = claim_update(claim=claim, actor=actor, **changes)
    if markup.first_appearance and not claim.appearances.filter(is_first=True).exists():
        _appearances_sync(claim, _appearance_urls(markup), True, actor=actor)
    verdict = claim.verdicts.filter(publisher__is_self=True).first()
    if verdict is None:
        verdict = verdict_create_draft(claim=claim, **draft)
    else:
        verdict = verdict_update_draft(verdict=verdict, **draft)
    if verdict.status == Verdict.Status.DRAFT:
        verdict = verdict_submit(verdict=verdict, actor=actor)
    return verdict_publish(verdict=verdict, actor=actor)


def _appearances_sync(
    claim: Claim, urls: list[str], first: bool, *, actor: AbstractBaseUser
) -> None:
    """Make the claim's appearances exactly `urls`, the first of them first if `first`."""
    existing = {appearance.url: appearance for appearance in claim.appearances.all()}
    for url, appearance in existing.items():
        if url not in urls:
            appearance_remove(appearance=appearance, actor=actor)
    for index, url in enumerate(urls):
        is_first = first and index == 0
        if url not in existing:
            appearance_add(claim=claim, actor=actor, url=url, is_first=is_first)
        elif existing[url].is_first != is_first:
            appearance_update(appearance=existing[url], actor=actor, is_first=is_first)


def _markup_update(
    row: ClaimReviewMarkup,
    position: int,
    markup: MarkupData,
    *,
    page: ClaimReviewPage,
    actor: AbstractBaseUser,
) -> None:
    path = f"claim_review_markups[{position}]"
    verdict, claim = row.verdict, row.verdict.claim
    changes = {
        name: value
        for name, value in (
            ("claimant", markup.claim_author.name),
            ("claim_date", markup.claim_date),
        )
        if getattr(claim, name) != value
    }
    if changes:
        try:
            claim_update(claim=claim, actor=actor, **changes)
        except ClaimPublished as error:
            target = "claim_author.name" if "claimant" in changes else "claim_date"
            raise InvalidTransition(
                "The claim has a published verdict: its claimant and date do not change. "
                "Remove this ClaimReview from the page and add it again as a new one.",
                extra={"field": f"claim_review_markup_page.{path}.{target}"},
            ) from error
    _appearances_sync(claim, _appearance_urls(markup), bool(markup.first_appearance), actor=actor)
    rating, scale = _rating_for(
        markup.rating, publisher=page.publisher, field=f"{path}.rating.textual_rating"
    )
    wanted = {
        "rating": rating,
        "rating_scale": scale,
        "textual_rating": markup.rating.textual_rating,
        "summary": markup.rating.explanation or markup.rating.textual_rating,
    }
    if verdict.publisher.is_self:
        # Our own rating is a step of our scale; its label is not ours to restate.
        del wanted["textual_rating"]
    if any(getattr(verdict, name) != value for name, value in wanted.items()):
        if verdict.status != Verdict.Status.PUBLISHED:
            raise InvalidTransition(
                f"The verdict on “{short_claim(claim.text)}” is "
                f"{verdict.get_status_display().lower()}; its rating can no longer change."
            )
        verdict_correct(
            verdict=verdict, actor=actor, kind=Correction.Kind.UPDATE, note=REVISED_NOTE, **wanted
        )
    save_validated(_markup_row(markup, row, position), actor=actor)


def _markup_remove(row: ClaimReviewMarkup, *, actor: AbstractBaseUser) -> None:
    verdict = row.verdict
    row._history_user = actor
    row.delete()
    if verdict.publisher.is_self:
        if verdict.status == Verdict.Status.PUBLISHED:
            verdict_retract(verdict=verdict, actor=actor, reason=REMOVED_NOTE)
        return
    claim = verdict.claim
    verdict_remove_external(verdict=verdict, actor=actor)
    in_use = (
        claim.verdicts.exists()
        or claim.evidence.exists()
        or claim.media.exists()
        or claim.duplicates.exists()
    )
    if not in_use:
        claim_delete(claim=claim, actor=actor)


def _locked_page(page: ClaimReviewPage) -> ClaimReviewPage:
    ClaimReviewPage.objects.select_for_update().filter(pk=page.pk).exists()
    return claim_review_page_list().get(pk=page.pk)


@transaction.atomic
def claim_review_page_create(*, actor: AbstractBaseUser | None, data: PageData) -> ClaimReviewPage:
    """Record a page's ClaimReview markup: each ClaimReview becomes a claim with a published
    verdict of the page's publisher (our own verdicts notify webhook subscribers). Needs an
    editor; refuses a page URL that already has markup (PageExists) or is on no known
    publisher's site, and ratings of our own that are not steps of our scales (MarkupInvalid)."""
    _require_editor(actor)
    page_url = canonical_page_url(data.page_url)
    publisher = _publisher_for(page_url)
    if ClaimReviewPage.objects.filter(page_url=page_url).exists():
        raise PageExists(f"{page_url} already has ClaimReview markup; update that page instead.")
    page = ClaimReviewPage(
        page_url=page_url,
        publisher=publisher,
        publish_date=data.publish_date,
        author_name=data.author_name,
        author_image_url=data.author_image_url,
        created_by=actor,
    )
    save_validated(page, actor=actor, reason="created through the Fact Check Tools API")
    for position, markup in enumerate(data.markups):
        _markup_create(page, position, markup, actor=actor)
    return page


@transaction.atomic
def claim_review_page_update(
    *, page: ClaimReviewPage, actor: AbstractBaseUser | None, data: PageData, version_id: str = ""
) -> ClaimReviewPage:
    """Replace a page's markup with `data` (see the module docstring for what happens to its
    claims and verdicts). With `version_id`, refuses (VersionMismatch) when the page has
    changed since that version was read; the page's row lock orders concurrent updates."""
    _require_editor(actor)
    locked = _locked_page(page)
    if version_id and version_id != claim_review_page_version(locked):
        raise VersionMismatch(
            "The page has changed since versionId was read; get it again and reapply the change."
        )
    page_url = canonical_page_url(data.page_url)
    if _publisher_for(page_url) != locked.publisher:
        raise MarkupInvalid(
            "A page cannot move to another publisher's site; delete it and create a new one.",
            field="page_url",
        )
    if ClaimReviewPage.objects.filter(page_url=page_url).exclude(pk=locked.pk).exists():
        raise PageExists(f"{page_url} already has ClaimReview markup of its own.")
    unmatched: dict[str, list[ClaimReviewMarkup]] = defaultdict(list)
    for row in locked.markups.all():
        unmatched[_claim_key(row.verdict.claim.text)].append(row)
    kept: list[tuple[ClaimReviewMarkup, int, MarkupData]] = []
    added: list[tuple[int, MarkupData]] = []
    for position, markup in enumerate(data.markups):
        rows = unmatched[_claim_key(markup.claim_reviewed)]
        if rows:
            kept.append((rows.pop(0), position, markup))
        else:
            added.append((position, markup))
    locked.page_url = page_url
    locked.publish_date = data.publish_date
    locked.author_name = data.author_name
    locked.author_image_url = data.author_image_url
    save_validated(locked, actor=actor, reason="updated through the Fact Check Tools API")
    for rows in unmatched.values():
        for row in rows:
            _markup_remove(row, actor=actor)
    for row, position, markup in kept:
        _markup_update(row, position, markup, page=locked, actor=actor)
    for position, markup in added:
        _markup_create(locked, position, markup, actor=actor)
    return locked


@transaction.atomic
def claim_review_page_delete(*, page: ClaimReviewPage, actor: AbstractBaseUser | None) -> None:
    """Delete a page's markup: our own verdicts on it are retracted, other publishers' deleted
    (see the module docstring)."""
    _require_editor(actor)
    locked = _locked_page(page)
    for row in locked.markups.all():
        _markup_remove(row, actor=actor)
    locked._history_user = actor
    locked.delete()
