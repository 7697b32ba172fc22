"""Writes for claim matching: a claim's suggestions from its text, media matches merged in from
the reverse-image index, and the fact-checkers' decisions.

Lock order, everywhere: the claim row, then its suggestions.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claims.models import Claim, ClaimMedia, Verdict
from claims.services.claims import claim_update
from core.exceptions import InvalidTransition
from matching.models import ClaimSuggestion, SuggestionStatus
from matching.scoring import combined_score, is_strong
from matching.selectors import Candidate, candidate_score, media_score, text_candidates
from media.models import LookupMatch

# Text suggestions kept per claim, the best first: a fact-checker reads a short list.
MAX_TEXT_SUGGESTIONS = 10
# How far `suggestion_confirm` follows duplicate_of links looking for a loop.
MAX_DUPLICATE_CHAIN = 50


class SuggestionDecided(InvalidTransition):
    code = "suggestion_decided"


class ClaimAlreadyDuplicate(InvalidTransition):
    code = "claim_already_duplicate"


class DuplicateLoop(InvalidTransition):
    code = "duplicate_loop"


def _is_imported(claim: Claim) -> bool:
    """Another publisher's checked claim that we have no verdict on: nobody here triages it."""
    verdicts = Verdict.objects.filter(claim=claim)
    return (
        verdicts.filter(~Q(review_url=""), publisher__is_self=False).exists()
        and not verdicts.filter(publisher__is_self=True).exists()
    )


def _lock_claim(claim_id: int) -> Claim | None:
    return Claim.objects.select_for_update().filter(pk=claim_id).first()


def _save(suggestion: ClaimSuggestion) -> None:
    # The values are validated here; the database's constraints hold the rest (uniqueness,
    # decisions), so no query per constraint.
    suggestion.full_clean(validate_unique=False, validate_constraints=False)
    suggestion.save()


def _restate(suggestion: ClaimSuggestion) -> None:
    """Derive the combined score and strength from the text and media evidence."""
    words = suggestion.reasons.get("text", {}).get("words", 0.0)
    suggestion.score = combined_score(suggestion.text_score, suggestion.media_score)
    suggestion.is_strong = is_strong(
        text_score=suggestion.text_score, words=words, media_score=suggestion.media_score
    )


def _state(suggestion: ClaimSuggestion) -> tuple:
    return (
        suggestion.score,
        suggestion.text_score,
        suggestion.media_score,
        suggestion.is_strong,
        suggestion.reasons,
    )


def _set_text(suggestion: ClaimSuggestion, found: Candidate | None, via: int | None) -> bool:
    """Put a text match (or its absence) into an open suggestion; True when anything changed.
    The text score is the better of the words' and the meaning's (`candidate_score`)."""
    before = _state(suggestion) if suggestion.pk else None
    reasons = dict(suggestion.reasons)
    if found is None:
        reasons.pop("text", None)
    else:
        reasons["text"] = (
            found.match.reasons()
            | ({"similarity": found.similarity} if found.similarity is not None else {})
            | ({"via_duplicate": via} if via else {})
        )
    suggestion.reasons = reasons
    suggestion.text_score = candidate_score(found) if found else 0.0
    _restate(suggestion)
    return _state(suggestion) != before


def _text_matches(claim: Claim) -> dict[int, tuple[Candidate, int | None]]:
    """The best text match per suggestible claim: a claim that duplicates another stands for
    the one it repeats, which carries the work (noted as `via`)."""
    candidates = text_candidates(
        {"text": claim.text, "original_text": claim.original_text},
        claims=Claim.objects.exclude(pk=claim.pk),
        typo_search=True,
    )
    best: dict[int, tuple[Candidate, int | None]] = {}
    for candidate in candidates:
        target = candidate.duplicate_of_id or candidate.claim_id
        via = candidate.claim_id if candidate.duplicate_of_id else None
        if target == claim.pk:
            continue
        if target not in best or candidate_score(candidate) > candidate_score(best[target][0]):
            best[target] = (candidate, via)
    ranked = sorted(best.items(), key=lambda item: (-candidate_score(item[1][0]), item[0]))
    return dict(ranked[:MAX_TEXT_SUGGESTIONS])


def suggestions_refresh(*, claim_id: int) -> None:
    """Suggest the claims that say what this claim says, by text, and store them.

    New matches are created, open suggestions updated, and open suggestions that no longer
    match dropped unless their media matched. Decided suggestions (confirmed or rejected) are
    never changed, and a decided pair is never suggested again. Writes nothing when nothing
    changed, so running it twice is harmless. Imported claims (another publisher's, without a
    verdict of ours) get no suggestions. A claim deleted meanwhile is skipped; one whose text
    changed meanwhile is left to the refresh its change queued.
    """
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None or _is_imported(claim):
        return
    matches = _text_matches(claim)
    with transaction.atomic():
        locked = _lock_claim(claim_id)
        if locked is None or (locked.text, locked.original_text) != (
            claim.text,
            claim.original_text,
        ):
            return
        existing = {
            suggestion.suggested_id: suggestion
            for suggestion in ClaimSuggestion.objects.select_for_update().filter(claim=locked)
        }
        for target, (found, via) in matches.items():
            suggestion = existing.get(target) or ClaimSuggestion(claim=locked, suggested_id=target)
            if suggestion.status != SuggestionStatus.SUGGESTED:
                continue
            if _set_text(suggestion, found, via):
                _save(suggestion)
        for target, suggestion in existing.items():
            if target in matches or suggestion.status != SuggestionStatus.SUGGESTED:
                continue
            if suggestion.media_score is None:
                suggestion.delete()
            elif _set_text(suggestion, None, None):
                _save(suggestion)


@transaction.atomic
def suggestions_record_media(
    *, claim: Claim, matches: Iterable[tuple[int, float]]
) -> list[ClaimSuggestion]:
    """Merge reverse-image matches of the claim's media into its suggestions.

    `matches` are (other claim id, media score from 0 to 1, 1 for the same picture). A claim
    met twice keeps its best score, and so does a suggestion across calls, so repeating a call
    changes nothing. A media score of MEDIA_STRONG_THRESHOLD or more makes the suggestion
    strong; any media match makes strong text of a short claim strong. Decided suggestions are
    kept as they are; ids of the claim itself or of claims that no longer exist are ignored; a
    claim that duplicates another stands for that one. Returns the open suggestions touched.
    Raises ValueError for a score outside 0..1.
    """
    scores: dict[int, float] = {}
    for other_id, score in matches:
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"media score {score!r} for claim {other_id} is not within 0..1")
        scores[other_id] = max(score, scores.get(other_id, 0.0))
    locked = _lock_claim(claim.pk)
    if locked is None or not scores:
        return []
    targets: dict[int, float] = {}
    for other_id, duplicate_of_id in Claim.objects.filter(pk__in=scores).values_list(
        "pk", "duplicate_of_id"
    ):
        target = duplicate_of_id or other_id
        if target != locked.pk:
            targets[target] = max(scores[other_id], targets.get(target, 0.0))
    existing = {
        suggestion.suggested_id: suggestion
        for suggestion in ClaimSuggestion.objects.select_for_update().filter(
            claim=locked, suggested_id__in=targets
        )
    }
    touched = []
    for target, score in sorted(targets.items()):
        suggestion = existing.get(target) or ClaimSuggestion(claim=locked, suggested_id=target)
        if suggestion.status != SuggestionStatus.SUGGESTED:
            continue
        best = max(score, suggestion.media_score or 0.0)
        if suggestion.pk and suggestion.media_score == best:
            touched.append(suggestion)
            continue
        suggestion.media_score = best
        suggestion.reasons = suggestion.reasons | {"media": {"score": best}}
        _restate(suggestion)
        _save(suggestion)
        touched.append(suggestion)
    return touched


def _decidable(suggestion: ClaimSuggestion) -> tuple[Claim, ClaimSuggestion]:
    claim = _lock_claim(suggestion.claim_id)
    locked = ClaimSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.status != SuggestionStatus.SUGGESTED:
        raise SuggestionDecided(
            f"This suggestion was already {locked.status} by "
            f"{locked.decided_by} on {locked.decided_at:%Y-%m-%d %H:%M}."
        )
    return claim, locked


def _decide(suggestion: ClaimSuggestion, status: str, actor: AbstractBaseUser) -> ClaimSuggestion:
    suggestion.status = status
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.full_clean()
    suggestion.save()
    return suggestion


def _leads_back(start: Claim, claim_id: int) -> bool:
    """Whether following duplicate_of from `start` reaches `claim_id`."""
    current = start.duplicate_of_id
    for _ in range(MAX_DUPLICATE_CHAIN):
        if current is None:
            return False
        if current == claim_id:
            return True
        current = Claim.objects.filter(pk=current).values_list("duplicate_of_id", flat=True)[0]
    return True


@transaction.atomic
def suggestion_confirm(*, suggestion: ClaimSuggestion, actor: AbstractBaseUser) -> ClaimSuggestion:
    """Confirm that the claim repeats the suggested claim: the claim's `duplicate_of` is set
    through `claim_update`, so its history records who did it. Raises SuggestionDecided when
    already decided, ClaimAlreadyDuplicate when the claim repeats another claim already, and
    DuplicateLoop when the suggested claim (or one it repeats) repeats this claim.

    ClaimStatus has no "duplicate" status, so the claim's status is left as it is.
    """
    claim, locked = _decidable(suggestion)
    target = locked.suggested
    if claim.duplicate_of_id not in (None, target.pk):
        raise ClaimAlreadyDuplicate(
            f"This claim is already marked as repeating claim #{claim.duplicate_of_id}; "
            "clear that first."
        )
    if _leads_back(target, claim.pk):
        raise DuplicateLoop(
            f"Claim #{target.pk} is itself marked as repeating this claim; the two cannot "
            "repeat each other."
        )
    if claim.duplicate_of_id != target.pk:
        claim_update(claim=claim, actor=actor, duplicate_of=target)
    return _decide(locked, SuggestionStatus.CONFIRMED, actor)


@transaction.atomic
def suggestion_reject(*, suggestion: ClaimSuggestion, actor: AbstractBaseUser) -> ClaimSuggestion:
    """Record that the claims say different things: the pair is never suggested again.
    Raises SuggestionDecided when already decided."""
    _, locked = _decidable(suggestion)
    return _decide(locked, SuggestionStatus.REJECTED, actor)


def suggestions_from_lookup(*, event: str, job_id: int, media_item_id: int) -> None:
    """Handler of `lookup.succeeded`: claims carrying the looked-up item are suggested the
    claims that carried its matches."""
    distances = {
        item_id: distance
        for item_id, distance in LookupMatch.objects.filter(
            job_id=job_id, matched_item__isnull=False
        ).values_list("matched_item_id", "distance")
    }
    if not distances:
        return
    others = [
        (claim_id, media_score(distances[item_id]))
        for claim_id, item_id in ClaimMedia.objects.filter(media_item_id__in=distances).values_list(
            "claim_id", "media_item_id"
        )
    ]
    for claim in Claim.objects.filter(claim_media__media_item_id=media_item_id):
        suggestions_record_media(claim=claim, matches=others)


def suggestions_refresh_later(*, event: str, claim_id: int) -> None:
    """Handler of `claim.created` and `claim.text_changed`: the claim's suggestions are
    recomputed by a worker."""
    from matching.tasks import refresh_claim_suggestions_on_commit

    refresh_claim_suggestions_on_commit(claim_id)
