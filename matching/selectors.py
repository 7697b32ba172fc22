"""Reads for claim matching: the claims whose text may say the same thing as a query, the
published verdicts on them, and a claim's suggestions.

Candidates come from retrieval (`retrieval.selectors.ranked_claims`: full text, any term, fused
with the nearest sentence embeddings). When that finds nothing worth suggesting, a background
refresh of suggestions (`typo_search`) also asks the trigram index (`search_text`, GIN) for
near-verbatim copies misspelt where word endings do not cover it. The "check this" endpoint does
not: on the benchmark's 20,000 claims that lookup costs 10-20 ms through the index, growing with
the table, and 0.4-0.7 s when the planner scans the table instead. Terms and trigram similarity
still score every candidate (`matching.scoring`), on at most a few dozen rows.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Greatest

from claims.models import Claim, Verdict
from claims.selectors.claims import claims_with_similar_media
from matching.models import ClaimSuggestion
from matching.scoring import (
    MEDIA_STRONG_THRESHOLD,
    SEMANTIC_SUGGEST_SIMILARITY,
    SUGGEST_THRESHOLD,
    TextMatch,
    best_text_match,
    content_terms,
    is_strong,
    semantic_score,
)
from retrieval.selectors import LEXICAL, Hit, ranked_claims

CLAIM_FIELDS = ("text", "original_text")
# Rows scored per query: the best of the fused ranking, or trigram candidates (typo_search).
MAX_CANDIDATES = 50
MAX_TRIGRAM_CANDIDATES = 20
TRIGRAM_QUERY_CHARS = 300


def _trigram_candidates(query: dict[str, str], claims: QuerySet[Claim]) -> list[int]:
    condition, closeness = Q(), []
    for text in query.values():
        condition |= Q(search_text__trigram_word_similar=text[:TRIGRAM_QUERY_CHARS])
        closeness.append(TrigramWordSimilarity(text[:TRIGRAM_QUERY_CHARS], "search_text"))
    best = Greatest(*closeness) if len(closeness) > 1 else closeness[0]
    candidates = (
        claims.filter(condition)
        .annotate(closeness=best)
        .order_by("-closeness", "-pk")
        .values_list("pk", flat=True)[:MAX_TRIGRAM_CANDIDATES]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner prices word_similarity as cheap and scans the whole table (0.4-0.7 s at
        # 20,000 claims) where the trigram index answers in 10-20 ms.
        cursor.execute("SET LOCAL enable_seqscan = off")
        return list(candidates)


@dataclass(frozen=True)
class Candidate:
    claim_id: int
    duplicate_of_id: int | None
    match: TextMatch
    similarity: float | None = None


def _semantic_hits(query: dict[str, str], claims: QuerySet[Claim]) -> dict[int, Hit]:
    """The best hit per claim over the query's fields, in fused order."""
    hits: dict[int, Hit] = {}
    for text in query.values():
        for hit in ranked_claims(text, claims=claims, limit=MAX_CANDIDATES).hits:
            if hit.claim_id not in hits or hit.score > hits[hit.claim_id].score:
                hits[hit.claim_id] = hit
    return hits


def text_candidates(
    query: dict[str, str], *, claims: QuerySet[Claim] | None = None, typo_search: bool = False
) -> list[Candidate]:
    """Claims among `claims` (default: all) whose text or original text may say what `query`
    ({field name: text}) says, best first, each with its best-matching pair of fields and the
    cosine similarity of their embeddings (None when not embedded). Only candidates scoring at
    least SUGGEST_THRESHOLD by text, or SEMANTIC_SUGGEST_SIMILARITY by meaning, are returned.
    With `typo_search`, the trigram index is searched when nothing else is found (slower; see
    the module docstring)."""
    query = {field: text for field, text in query.items() if text and text.strip()}
    claims = Claim.objects.all() if claims is None else claims
    terms = {field: content_terms(text) for field, text in query.items()}
    if not any(terms.values()):
        return []
    hits = _semantic_hits(query, claims)
    found = _scored(query, terms, list(hits), hits)
    if not found and typo_search:
        found = _scored(query, terms, _trigram_candidates(query, claims), {})
    return sorted(found, key=lambda candidate: (-candidate_score(candidate), -candidate.claim_id))


def candidate_score(candidate: Candidate) -> float:
    """Text or meaning, whichever says more, on the 0-1 scale of suggestions."""
    return max(candidate.match.score, semantic_score(candidate.similarity))


def _scored(
    query: dict[str, str], terms: dict[str, frozenset[str]], ids: list[int], hits: dict[int, Hit]
) -> list[Candidate]:
    found = []
    for claim_id, (match, duplicate_of_id) in _text_matches(query, terms, ids).items():
        hit = hits.get(claim_id)
        cosine = hit.similarity if hit is not None else None
        if match.score >= SUGGEST_THRESHOLD or (cosine or 0.0) >= SEMANTIC_SUGGEST_SIMILARITY:
            found.append(Candidate(claim_id, duplicate_of_id, match, cosine))
    return found


def _text_matches(
    query: dict[str, str], terms: dict[str, frozenset[str]], ids: list[int]
) -> dict[int, tuple[TextMatch, int | None]]:
    """Each claim's best text match with the query (terms and trigrams), and what it repeats."""
    if not ids:
        return {}
    pairs = [(query_field, field) for query_field in query for field in CLAIM_FIELDS]
    trigram = {
        f"trigram_{index}": TrigramSimilarity(field, query[query_field])
        for index, (query_field, field) in enumerate(pairs)
    }
    rows = (
        Claim.objects.filter(pk__in=ids)
        .annotate(**trigram)
        .values("pk", "duplicate_of_id", *CLAIM_FIELDS, *trigram)
    )
    matches = {}
    for row in rows:
        similarity = {pair: row[f"trigram_{index}"] for index, pair in enumerate(pairs)}
        texts = {field: row[field] for field in CLAIM_FIELDS}
        match = best_text_match(query, texts, similarity, query_terms=terms)
        if match is not None:
            matches[row["pk"]] = (match, row["duplicate_of_id"])
    return matches


MAX_VERDICT_MATCHES = 10
# What a check result shows of a verdict, its claim, publisher and rating (matching.api): a
# verdict row read whole, with its claim's, is most of the time a check spends reading rows.
SHOWN_VERDICT_FIELDS = [
    "claim",
    "publisher",
    "rating",
    "status",
    "textual_rating",
    "headline",
    "language",
    "review_url",
    "published_at",
    "slug",
    *(f"claim__{field}" for field in ("text", "original_text", "language", "claimant")),
    "claim__claim_date",
    "publisher__name",
    "publisher__site",
    "publisher__is_self",
    "rating__label",
]


@dataclass(frozen=True)
class VerdictMatch:
    """A published verdict whose claim matches a text, or carried a picture, being checked."""

    verdict: Verdict
    match: TextMatch | None
    score: float
    is_strong: bool
    media_distance: int | None = None
    similarity: float | None = None
    matched_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckAnswer:
    results: list[VerdictMatch]
    # "hybrid" (words and meaning) or "lexical" (words only: no embedding model loaded).
    retrieval: str


def media_score(distance: int) -> float:
    """A reverse-image distance on the 0-1 scale of suggestions: a strong match (within
    LOOKUP_STRONG_DISTANCE) scores MEDIA_STRONG_THRESHOLD or more, the same picture 1."""
    strong = settings.LOOKUP_STRONG_DISTANCE
    return round(max(0.0, 1 - (1 - MEDIA_STRONG_THRESHOLD) * distance / strong), 4)


def verdict_matches_by_image(*, frames, language: str = "") -> list[VerdictMatch]:
    """Published verdicts on claims that carried a picture like `frames` (media.hashing),
    closest first. Searches the reverse-image index of this process."""
    ranked = claims_with_similar_media(frames)[:MAX_VERDICT_MATCHES]
    if not ranked:
        return []
    distances = {claim_id: match.distance for claim_id, match in ranked}
    verdicts = (
        _published(language)
        .filter(claim_id__in=distances)
        .select_related("claim", "publisher", "rating")
        .only(*SHOWN_VERDICT_FIELDS)
    )
    return [
        VerdictMatch(
            verdict=verdict,
            match=None,
            score=media_score(distances[verdict.claim_id]),
            is_strong=distances[verdict.claim_id] <= settings.LOOKUP_STRONG_DISTANCE,
            media_distance=distances[verdict.claim_id],
            matched_by=("image",),
        )
        for verdict in verdicts
    ]


def verdict_matches_for(*, text: str | None = None, frames=None, language: str = "") -> CheckAnswer:
    """Published verdicts matching a text, a picture's `frames`, or both, best first (at most
    MAX_VERDICT_MATCHES): the text's ranking first, then verdicts found by picture alone. A
    verdict found both ways keeps the better score, and is strong if either way is."""
    results: dict[int, VerdictMatch] = {}
    mode = LEXICAL
    if text:
        answer = verdict_matches(text=text, language=language)
        mode = answer.retrieval
        for result in answer.results:
            results[result.verdict.pk] = result
    if frames is not None:
        for result in verdict_matches_by_image(frames=frames, language=language):
            by_text = results.get(result.verdict.pk)
            if by_text is not None:
                result = VerdictMatch(
                    verdict=result.verdict,
                    match=by_text.match,
                    score=max(by_text.score, result.score),
                    is_strong=by_text.is_strong or result.is_strong,
                    media_distance=result.media_distance,
                    similarity=by_text.similarity,
                    matched_by=(*by_text.matched_by, "image"),
                )
            results[result.verdict.pk] = result
    return CheckAnswer(results=list(results.values())[:MAX_VERDICT_MATCHES], retrieval=mode)


def _published(language: str) -> QuerySet[Verdict]:
    published = Verdict.objects.filter(status=Verdict.Status.PUBLISHED)
    if language:
        published = published.filter(
            Q(language__iexact=language) | Q(language__istartswith=f"{language}-")
        )
    return published


def verdict_matches(*, text: str, language: str = "") -> CheckAnswer:
    """Published verdicts, ours and imported, on claims that say what `text` says, in the order
    of retrieval's fused ranking (words and meaning).

    `language` (BCP-47) keeps verdicts written in that language (`zh` also keeps `zh-Hant`).
    Retracted verdicts are left out: they are no longer a ruling to point anyone to. A claim
    found by meaning is kept when its similarity reaches SEMANTIC_SUGGEST_SIMILARITY, or its
    text scores SUGGEST_THRESHOLD; by words alone (no model), the best ranked are kept.
    """
    published = _published(language)
    ranking = ranked_claims(text, verdicts=published, limit=MAX_VERDICT_MATCHES * 2)
    hits = {hit.claim_id: hit for hit in ranking.hits}
    terms = {"text": content_terms(text)}
    # The claims' trigram similarities come with their verdicts: one query for both.
    trigram = {
        f"trigram_{field}": TrigramSimilarity(f"claim__{field}", text) for field in CLAIM_FIELDS
    }
    verdicts = (
        published.filter(claim_id__in=hits)
        .annotate(**trigram)
        .order_by(F("published_at").desc(nulls_last=True), "-pk")
        .select_related("claim", "publisher", "rating")
        .only(*SHOWN_VERDICT_FIELDS)
    )
    order = {hit.claim_id: position for position, hit in enumerate(ranking.hits)}
    matches: dict[int, TextMatch | None] = {}
    results = []
    for verdict in verdicts:
        if verdict.claim_id not in matches:
            matches[verdict.claim_id] = best_text_match(
                {"text": text},
                {field: getattr(verdict.claim, field) for field in CLAIM_FIELDS},
                {("text", field): getattr(verdict, f"trigram_{field}") for field in CLAIM_FIELDS},
                query_terms=terms,
            )
        hit, match = hits[verdict.claim_id], matches[verdict.claim_id]
        text_score = match.score if match is not None else 0.0
        if ranking.mode != LEXICAL and not (
            (hit.similarity or 0.0) >= SEMANTIC_SUGGEST_SIMILARITY
            or text_score >= SUGGEST_THRESHOLD
        ):
            continue
        words = match.words if match is not None else 0.0
        results.append(
            VerdictMatch(
                verdict=verdict,
                match=match,
                score=max(text_score, semantic_score(hit.similarity)),
                is_strong=is_strong(
                    text_score=text_score,
                    words=words,
                    media_score=None,
                    similarity=hit.similarity,
                ),
                similarity=hit.similarity,
                matched_by=tuple(hit.via),
            )
        )
    # A claim's verdicts keep the verdicts' own order (the newest first).
    results.sort(key=lambda result: order[result.verdict.claim_id])
    return CheckAnswer(results=results[:MAX_VERDICT_MATCHES], retrieval=ranking.mode)


def suggestion_list(*, claim_id: int) -> QuerySet[ClaimSuggestion]:
    """A claim's suggestions, best first, with each suggested claim's verdicts (any status: only
    the newsroom reads suggestions)."""
    verdicts = Verdict.objects.select_related("publisher", "rating")
    return (
        ClaimSuggestion.objects.filter(claim_id=claim_id)
        .select_related("suggested", "decided_by")
        .prefetch_related(Prefetch("suggested__verdicts", queryset=verdicts))
    )
