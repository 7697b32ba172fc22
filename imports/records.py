"""Saving validated ClaimReview records as claims with another publisher's verdict.

Each record becomes a Claim (status checked) with its appearances, and a published Verdict of
the review's Publisher (found or created by site, never this newsroom) whose `review_url` is the
review's URL. That URL is the key: importing the same review again updates the verdict and its
claim in place, and reports it unchanged when nothing differs.

A review may give no date and no rating: the verdict then has none (an imported verdict may:
claims.models, verdict_published_is_complete), a rating given only as numbers off our scale is
described in words ("3 on a scale from 1 to 7"), and the job's warnings (`missing_date`,
`missing_rating`, `rating_from_numbers`) name each such verdict. Publication goes through the
workflow's bulk entry points (claims.services.workflow.verdicts_publish_imported and
verdicts_update_imported), which record the events the apps above react to.

What is deliberately not done for imported verdicts:
- no webhook events and no Correction: those announce this newsroom's own rulings
  (claims.services.workflow), and another publisher's review is neither ours to announce nor
  ours to correct; the public pages and feeds list only our own verdicts (publisher.is_self);
- on re-import, a claim that has verdicts besides the imported one (the newsroom has taken it
  up) keeps its text, claimant, date and language: only the imported verdict follows the
  source; appearances are only ever added, never removed, and a retracted verdict stays so.

Rows are written in bulk (a batch of records costs a fixed number of queries) with their
history rows, after the same field validation as the services (`full_clean` without the
per-row uniqueness and foreign-key queries: the database enforces those, and a batch that
breaks one is saved again record by record so that only the culprit is rejected).
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Count, Model
from django.utils import timezone
from django.utils.text import slugify

from claims.models import (
    SEARCH_COLUMNS,
    Appearance,
    Claim,
    Publisher,
    Rating,
    RatingScale,
    Verdict,
)
from claims.platforms import platform_of
from claims.ratings import ScaleSteps, map_rating
from claims.search import index_claim, index_verdict
from claims.services.workflow import verdicts_publish_imported, verdicts_update_imported
from imports.parsing import (
    HEADLINE_MAX,
    ClaimReviewRecord,
    ImportWarningNote,
    RejectCode,
    Rejection,
    WarnCode,
    fit,
)

UNDETERMINED_LANGUAGE = "und"  # BCP-47 for "the source does not say"

CLAIM_FIELDS = ("text", "claimant", "claim_date", "language")
VERDICT_FIELDS = (
    "publisher",
    "rating_scale",
    "rating",
    "headline",
    "summary",
    "language",
    "textual_rating",
    "published_at",
)
_CLAIM_SEARCH = [f"claim__{name}" for name in SEARCH_COLUMNS]
# Left out of `full_clean`: foreign keys, which the database checks in bulk (`full_clean` would
# query once per row and field), and URLs, which imports.parsing.normalize_url has validated
# with the field's own validator.
_CLAIM_UNCHECKED = ["assignee", "duplicate_of", "created_by"]
_VERDICT_UNCHECKED = [
    "claim",
    "publisher",
    "rating_scale",
    "rating",
    "editor",
    "created_by",
    "review_url",
]
_APPEARANCE_UNCHECKED = ["claim", "screenshot", "url"]


@dataclass
class ImportContext:
    """What every batch of one import needs: who imports, our scale, and publishers already
    looked up (by site)."""

    actor: AbstractBaseUser | None
    reason: str  # the history's change reason
    scale: RatingScale
    steps: ScaleSteps[Rating]
    own_sites: frozenset[str]
    publishers: dict[str, Publisher] = field(default_factory=dict)


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    # Warnings decided when saving (the rating against our scale), by record index.
    warnings: dict[int, list[ImportWarningNote]] = field(default_factory=dict)

    def add(self, other: "BatchOutcome") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejections.extend(other.rejections)
        self.warnings.update(other.warnings)


def slug_for(record: ClaimReviewRecord) -> str:
    """Fixed by the review URL, so that a re-import never moves it and two reviews never share
    one; imported verdicts have no public page of ours, the slug is only a unique key."""
    digest = hashlib.sha256(record.review_url.encode()).hexdigest()[:16]
    return f"{slugify(record.publisher_site)[:60]}-{digest}"


def claim_reviews_save(
    records: Sequence[ClaimReviewRecord], *, context: ImportContext
) -> BatchOutcome:
    """Save a batch of records; run it inside the caller's transaction. A batch the database
    refuses (two imports racing for one review URL, say) is saved again one record at a time,
    and a record that is still refused is rejected as `conflict`."""
    try:
        with transaction.atomic():
            return _save(records, context)
    except (IntegrityError, DataError):
        # Publishers created in the rolled-back savepoint are gone.
        context.publishers.clear()
    outcome = BatchOutcome()
    for record in records:
        try:
            with transaction.atomic():
                outcome.add(_save([record], context))
        except (IntegrityError, DataError) as error:
            context.publishers.clear()
            # The first line names the constraint; the rest repeats the values.
            reason = str(error).strip().splitlines()[0]
            outcome.rejections.append(
                _reject(record, RejectCode.CONFLICT, f"The database refused it: {reason}")
            )
    return outcome


@dataclass
class _Target:
    """What a record says the claim and verdict should be."""

    record: ClaimReviewRecord
    publisher: Publisher
    rating: Rating | None
    textual_rating: str

    @property
    def language(self) -> str:
        return self.record.language or UNDETERMINED_LANGUAGE

    def claim_values(self) -> dict:
        record = self.record
        return {
            "text": record.claim_reviewed,
            "claimant": record.claimant,
            "claim_date": record.claim_date,
            "language": self.language,
        }

    def verdict_values(self, scale: RatingScale) -> dict:
        """What the verdict should be; `published_at` only when the review gives a date, so
        that a re-import of a dateless copy keeps the date an earlier one gave."""
        record = self.record
        values = {
            "publisher": self.publisher,
            "rating_scale": scale,
            "rating": self.rating,
            "headline": record.headline or fit(record.claim_reviewed, HEADLINE_MAX),
            "summary": record.explanation or _summary(record, self.publisher),
            "language": self.language,
            "textual_rating": self.textual_rating,
        }
        if record.date_published is not None:
            values["published_at"] = record.date_published
        return values


def _summary(record: ClaimReviewRecord, publisher: Publisher) -> str:
    if record.textual_rating:
        return f"{publisher.name} rated this claim “{record.textual_rating}”."
    if record.rating_value is None:
        return f"{publisher.name} reviewed this claim without giving a rating."
    return (
        f"{publisher.name} rated this claim {record.rating_value:g} on a scale from "
        f"{record.worst_rating:g} to {record.best_rating:g}."
    )


def _textual_rating(
    record: ClaimReviewRecord, rating: Rating | None
) -> tuple[str, ImportWarningNote | None]:
    """The textual rating to store: the publisher's own words; for a rating on our scale
    without words, none (our step names it); otherwise a description of what the review gives,
    with the warning that says so."""
    if record.textual_rating or rating is not None:
        return record.textual_rating, None
    if record.rating_value is not None:
        text = (
            f"{record.rating_value:g} on a scale from {record.worst_rating:g} to "
            f"{record.best_rating:g}"
        )
        return text, ImportWarningNote(
            WarnCode.RATING_FROM_NUMBERS,
            f"The review rates the claim only by number, on no step of our scale; “{text}” "
            "stands for its textual rating.",
        )
    return "", ImportWarningNote(
        WarnCode.MISSING_RATING, "The review gives no rating: imported without one."
    )


def _reject(record: ClaimReviewRecord, code: RejectCode, message: str) -> Rejection:
    return Rejection(
        index=record.index,
        location=record.location,
        code=code,
        message=message,
        review_url=record.review_url,
    )


def _save(records: Sequence[ClaimReviewRecord], context: ImportContext) -> BatchOutcome:
    outcome = BatchOutcome()
    own = [r for r in records if r.publisher_site in context.own_sites]
    records = [r for r in records if r.publisher_site not in context.own_sites]
    publishers = _publishers({r.publisher_site: r for r in records}, context)
    # Excluding "" lets PostgreSQL use the partial unique index on review_url, whose
    # predicate it cannot infer from a list of more than 100 values.
    matches = Verdict.objects.filter(review_url__in=[r.review_url for r in records]).exclude(
        review_url=""
    )
    # The search columns are recomputed, never compared: not worth reading.
    matches = matches.select_related("claim", "publisher").defer(*SEARCH_COLUMNS, *_CLAIM_SEARCH)
    existing = {verdict.review_url: verdict for verdict in matches.order_by()}
    targets: list[_Target] = []
    for record in records:
        publisher = publishers[record.publisher_site]
        found = existing.get(record.review_url)
        if publisher.is_self or (found is not None and found.publisher.is_self):
            own.append(record)
            continue
        rating = map_rating(
            textual=record.textual_rating,
            value=record.rating_value,
            best=record.best_rating,
            worst=record.worst_rating,
            steps=context.steps,
        )
        textual, warning = _textual_rating(record, rating)
        if warning is not None:
            outcome.warnings[record.index] = [warning]
        targets.append(_Target(record, publisher, rating, textual))
    outcome.rejections += [
        _reject(record, RejectCode.OWN_REVIEW, "This review is by this newsroom.") for record in own
    ]
    new = [t for t in targets if t.record.review_url not in existing]
    old = [(t, existing[t.record.review_url]) for t in targets if t.record.review_url in existing]
    _create(new, context)
    outcome.created = len(new)
    outcome.updated = _update(old, context)
    outcome.unchanged = len(old) - outcome.updated
    return outcome


def _publishers(
    by_site: dict[str, ClaimReviewRecord], context: ImportContext
) -> dict[str, Publisher]:
    """The Publisher of each site, created with the first record's name and URL if new. An
    existing publisher keeps its name: staff may have tidied it."""
    cache = context.publishers
    missing = [site for site in by_site if site not in cache]
    if missing:
        cache.update(
            (publisher.site, publisher) for publisher in Publisher.objects.filter(site__in=missing)
        )
        new = []
        for site in missing:
            if site in cache:
                continue
            record = by_site[site]
            publisher = Publisher(
                name=record.publisher_name,
                site=site,
                url=record.publisher_url or f"https://{site}/",
            )
            publisher.full_clean(validate_unique=False, validate_constraints=False)
            new.append(publisher)
        if new:
            Publisher.objects.bulk_create(new, ignore_conflicts=True)
            cache.update(
                (publisher.site, publisher)
                for publisher in Publisher.objects.filter(site__in=[p.site for p in new])
            )
    return {site: cache[site] for site in by_site}


def _create(targets: list[_Target], context: ImportContext) -> None:
    if not targets:
        return
    claims = []
    for target in targets:
        claim = Claim(
            **target.claim_values(),
            status=Claim.Status.CHECKED,
            created_by=context.actor,
        )
        index_claim(claim)
        claim.full_clean(
            exclude=_CLAIM_UNCHECKED, validate_unique=False, validate_constraints=False
        )
        claims.append(claim)
    Claim.objects.bulk_create(claims)
    _record_history(Claim, claims, "+", context)
    verdicts, appearances = [], []
    for target, claim in zip(targets, claims, strict=True):
        verdict = Verdict(
            claim=claim,
            **target.verdict_values(context.scale),
            slug=slug_for(target.record),
            review_url=target.record.review_url,
            created_by=context.actor,
        )
        index_verdict(verdict)
        verdict.full_clean(
            exclude=_VERDICT_UNCHECKED, validate_unique=False, validate_constraints=False
        )
        verdicts.append(verdict)
        appearances += _appearance_changes(claim, target.record, [])[0]
    verdicts_publish_imported(verdicts=verdicts)
    _record_history(Verdict, verdicts, "+", context)
    if appearances:
        Appearance.objects.bulk_create(appearances)
        _record_history(Appearance, appearances, "+", context)


def _appearance_changes(
    claim: Claim, record: ClaimReviewRecord, stored: list[Appearance]
) -> tuple[list[Appearance], list[Appearance], list[Appearance]]:
    """The appearances to add, and the stored ones to unmark and to mark as the first one.

    The first appearance is the review's firstAppearance; without one, the claim's current
    first appearance, else the first one listed."""
    by_url = {appearance.url: appearance for appearance in stored}
    current = next((appearance for appearance in stored if appearance.is_first), None)
    if record.has_first_appearance:
        wanted = record.appearances[0]
    elif current is not None:
        wanted = current.url
    else:
        wanted = record.appearances[0] if record.appearances else None
    added = []
    for url in record.appearances:
        if url in by_url:
            continue
        appearance = Appearance(
            claim=claim, url=url, platform=platform_of(url), is_first=url == wanted
        )
        appearance.full_clean(
            exclude=_APPEARANCE_UNCHECKED, validate_unique=False, validate_constraints=False
        )
        added.append(appearance)
    unmark = [current] if current is not None and current.url != wanted else []
    mark = [by_url[wanted]] if wanted in by_url and not by_url[wanted].is_first else []
    return added, unmark, mark


def _update(pairs: list[tuple[_Target, Verdict]], context: ImportContext) -> int:
    """Bring existing verdicts, and the claims the import owns, in line with the records;
    returns how many records changed anything."""
    if not pairs:
        return 0
    claim_ids = [verdict.claim_id for _, verdict in pairs]
    shared = set(
        Verdict.objects.filter(claim_id__in=claim_ids)
        .values("claim_id")
        .annotate(verdicts=Count("id"))
        .filter(verdicts__gt=1)
        .values_list("claim_id", flat=True)
    )
    stored: dict[int, list[Appearance]] = defaultdict(list)
    for appearance in Appearance.objects.filter(claim_id__in=claim_ids).exclude(
        claim_id__in=shared
    ):
        stored[appearance.claim_id].append(appearance)
    now = timezone.now()
    claims, verdicts, added, unmarked, marked = [], [], [], [], []
    for target, verdict in pairs:
        claim = verdict.claim
        claim_changed = verdict_changed = False
        if claim.pk not in shared:
            new, unmark, mark = _appearance_changes(claim, target.record, stored[claim.pk])
            added += new
            unmarked += unmark
            marked += mark
            claim_changed = _assign(claim, target.claim_values()) or bool(new or unmark or mark)
        verdict_changed = _assign(verdict, target.verdict_values(context.scale))
        if claim_changed:
            index_claim(claim)
            claim.updated_at = now
            claim.full_clean(
                exclude=_CLAIM_UNCHECKED, validate_unique=False, validate_constraints=False
            )
            claims.append(claim)
        if verdict_changed or claim_changed:
            # A verdict's search columns include its claim's text.
            index_verdict(verdict)
            verdict.updated_at = now
            verdict.full_clean(
                exclude=_VERDICT_UNCHECKED, validate_unique=False, validate_constraints=False
            )
            verdicts.append(verdict)
    searched = ["search_text", "search_document", "updated_at"]
    if claims:
        Claim.objects.bulk_update(claims, [*CLAIM_FIELDS, *searched])
        _record_history(Claim, claims, "~", context)
    if verdicts:
        verdicts_update_imported(verdicts=verdicts, fields=[*VERDICT_FIELDS, *searched])
        _record_history(Verdict, verdicts, "~", context)
    # Unmarked before any other is marked or added: a claim has one first appearance at a time.
    for appearances, is_first in ((unmarked, False), (marked, True)):
        for appearance in appearances:
            appearance.is_first = is_first
            appearance.updated_at = now
        if appearances:
            Appearance.objects.bulk_update(appearances, ["is_first", "updated_at"])
            _record_history(Appearance, appearances, "~", context)
    if added:
        Appearance.objects.bulk_create(added)
        _record_history(Appearance, added, "+", context)
    return len(verdicts)


def _record_history(
    model: type[Model], instances: list[Model], history_type: str, context: ImportContext
) -> None:
    """The django-simple-history rows of `instances` as they now are in the table, copied by
    the database in one statement. It writes what simple_history's `bulk_history_create`
    writes, without building every historical row in Python first (a third of an import's
    time when it did)."""
    history = model.history.model
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in history.tracked_fields)
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date, "
        "history_change_reason, history_type, history_user_id) "
        f"SELECT {columns}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} "
        "WHERE id = ANY(%s) ORDER BY id"
    )
    actor_id = context.actor.pk if context.actor is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [timezone.now(), context.reason, history_type, actor_id, [i.pk for i in instances]],
        )


def _assign(instance: Model, values: dict) -> bool:
    """Set `values` on `instance`; whether any differed. Related objects are compared by id
    and always set, so that validation reads them without a query."""
    changed = False
    for name, value in values.items():
        model_field = instance._meta.get_field(name)
        if model_field.is_relation:
            differs = getattr(instance, model_field.attname) != (value.pk if value else None)
        else:
            differs = getattr(instance, name) != value
        changed |= differs
        if differs or model_field.is_relation:
            setattr(instance, name, value)
    return changed
