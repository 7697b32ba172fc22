"""Reads for claim matching: the claims whose text may say the same thing as a query, the
published verdicts on them, and a claim's suggestions.

Candidates come from the full-text index (`Claim.search_vector`, GIN): a claim must have enough
of the query's rarer terms. When that finds nothing worth suggesting, a background refresh of
suggestions (`typo_search`) also asks the trigram index (`search_text`, GIN) for near-verbatim
copies misspelt where word endings do not cover it. The "check this" endpoint does not: on the
benchmark's 20,000 claims that lookup costs 10-20 ms through the index, growing with the table,
and 0.4-0.7 s when the planner scans the table instead. Trigram similarity still scores every
candidate. Scoring (`matching.scoring`) runs on at most a few dozen rows.
"""

from dataclasses import dataclass
from math import ceil

from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Greatest

from claims.models import SEARCH_COLUMNS, Claim, Verdict
from claims.selectors.claims import claims_with_similar_media
from core.search import search_document
from matching.models import ClaimSuggestion
from matching.scoring import (
    MEDIA_STRONG_THRESHOLD,
    STOPWORDS,
    SUGGEST_THRESHOLD,
    TextMatch,
    best_text_match,
    content_terms,
    is_spaced_term,
    is_strong,
)

CLAIM_FIELDS = ("text", "original_text")
# Rows scored per query: the best by full-text rank, or trigram candidates (typo_search).
MAX_CANDIDATES = 50
MAX_TRIGRAM_CANDIDATES = 20
# A query finds candidates with a few of its terms, the rarest: a claim must have enough of
# them. Each word says more than each CJK bigram, so fewer words and a larger share of them.
# Measured on the benchmark's 20,000-claim data (bench/matching): 6 words of which 3 find the
# paraphrase every time while reading 75 rows a query; 8 of which 3 read 290.
WORDS_PICKED, WORDS_NEEDED = 6, 0.5
BIGRAMS_PICKED, BIGRAMS_NEEDED = 8, 0.35
# No term that more than this share of claims contain ("video", "government"): alone they
# find half the table, and the rarer terms find the claims that matter.
MAX_TERM_FREQUENCY = 0.05
# Words of 6 letters or more also match their other endings (flooded: flood*), like scoring's
# _same_word.
PREFIX_MIN_LENGTH = 6
TRIGRAM_QUERY_CHARS = 300
FREQUENCIES_CACHE_KEY = "matching:term-frequencies"
FREQUENCIES_CACHE_SECONDS = 600


def term_frequencies() -> dict[str, float]:
    """The share of claims that contain each of the most common index terms, from the statistics
    ANALYZE keeps for `search_vector` (empty before the first ANALYZE); cached for a while."""
    frequencies = cache.get(FREQUENCIES_CACHE_KEY)
    if frequencies is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
                [Claim._meta.db_table, "search_vector"],
            )
            row = cursor.fetchone()
        # The frequencies array ends with their minimum, maximum and null share: zip drops them.
        frequencies = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
        cache.set(FREQUENCIES_CACHE_KEY, frequencies, FREQUENCIES_CACHE_SECONDS)
    return frequencies


def _lexeme(term: str) -> str:
    if len(term) >= PREFIX_MIN_LENGTH and is_spaced_term(term):
        term, prefix = term[: max(5, len(term) - 3)], ":*"
    else:
        prefix = ""
    # Terms are word characters only; quoting keeps tsquery syntax out of them all the same.
    return "'" + term.replace("'", "''").replace("\\", "\\\\") + "'" + prefix


def _pick_words(words: list[str], frequencies: dict[str, float]) -> list[str]:
    # Rarest first; words too rare for the statistics tie at 0, and longer words are rarer.
    return sorted(words, key=lambda word: (frequencies.get(word, 0.0), -len(word)))[:WORDS_PICKED]


def _pick_bigrams(bigrams: list[str], frequencies: dict[str, float]) -> list[str]:
    """Among the rarer bigrams, some from all along the text: neighbouring bigrams share a
    character, and the rarest few alone may all come from one phrase."""
    rarer = set(sorted(bigrams, key=lambda gram: frequencies.get(gram, 0.0))[: BIGRAMS_PICKED * 2])
    in_order = [gram for gram in bigrams if gram in rarer]
    if len(in_order) <= BIGRAMS_PICKED:
        return in_order
    # First to last, evenly: a step of about 2 would keep to one phase, every other bigram,
    # which may be all word boundaries (年一 月开) rather than words (明年 一月).
    step = (len(in_order) - 1) / (BIGRAMS_PICKED - 1)
    return [in_order[round(index * step)] for index in range(BIGRAMS_PICKED)]


def _selective(text: str, frequencies: dict[str, float]) -> tuple[list[str], list[str]]:
    """tsquery groups that a claim saying what `text` says should satisfy (enough of the text's
    selective words, or enough of its selective CJK bigrams), and the lexemes they use."""
    terms = [
        term
        for term in dict.fromkeys(search_document(text).split())
        if term not in STOPWORDS and frequencies.get(term, 0.0) <= MAX_TERM_FREQUENCY
    ]
    words = _pick_words([term for term in terms if is_spaced_term(term)], frequencies)
    bigrams = _pick_bigrams([term for term in terms if not is_spaced_term(term)], frequencies)
    groups, used = [], []
    for picked, share in ((words, WORDS_NEEDED), (bigrams, BIGRAMS_NEEDED)):
        # Two endings of one word (flooded, flooding) are one prefix, counted once.
        lexemes = list(dict.fromkeys(_lexeme(term) for term in picked))
        if lexemes:
            needed = max(min(len(lexemes), 2), ceil(len(lexemes) * share))
            groups.append(_at_least(lexemes, needed))
            used += lexemes
    return groups, used


def _at_least(lexemes: list[str], needed: int) -> str:
    """A tsquery true when a document has `needed` of `lexemes`, nested so that a missing term
    skips every combination it heads: (a & 2 of the rest) | (3 of the rest)."""
    if needed == 1:
        return "(" + " | ".join(lexemes) + ")"
    if needed == len(lexemes):
        return "(" + " & ".join(lexemes) + ")"
    head, rest = lexemes[0], lexemes[1:]
    return f"(({head} & {_at_least(rest, needed - 1)}) | {_at_least(rest, needed)})"


def _full_text_candidates(query: dict[str, str], claims: QuerySet[Claim]) -> list[int]:
    frequencies = term_frequencies()
    groups, lexemes = [], set()
    for text in query.values():
        text_groups, text_lexemes = _selective(text, frequencies)
        groups += text_groups
        lexemes.update(text_lexemes)
    if not groups:
        return []
    matching = " | ".join(groups)
    ranking = " | ".join(sorted(lexemes))
    return list(
        claims.filter(search_vector=SearchQuery(matching, search_type="raw", config="simple"))
        .annotate(
            rank=SearchRank(
                F("search_vector"), SearchQuery(ranking, search_type="raw", config="simple")
            )
        )
        .order_by("-rank", "-pk")
        .values_list("pk", flat=True)[:MAX_CANDIDATES]
    )


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


def text_candidates(
    query: dict[str, str], *, claims: QuerySet[Claim] | None = None, typo_search: bool = False
) -> list[Candidate]:
    """Claims among `claims` (default: all) whose text or original text may say what `query`
    ({field name: text}) says, best first, each with its best-matching pair of fields. Only
    candidates scoring at least SUGGEST_THRESHOLD are returned. With `typo_search`, the trigram
    index is searched when full text finds none (slower; see the module docstring)."""
    query = {field: text for field, text in query.items() if text and text.strip()}
    claims = Claim.objects.all() if claims is None else claims
    terms = {field: content_terms(text) for field, text in query.items()}
    if not any(terms.values()):
        return []
    found = _scored(query, terms, _full_text_candidates(query, claims))
    if not found and typo_search:
        found = _scored(query, terms, _trigram_candidates(query, claims))
    return sorted(found, key=lambda candidate: (-candidate.match.score, -candidate.claim_id))


def _scored(
    query: dict[str, str], terms: dict[str, frozenset[str]], ids: list[int]
) -> list[Candidate]:
    if not ids:
        return []
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
    found = []
    for row in rows:
        similarity = {pair: row[f"trigram_{index}"] for index, pair in enumerate(pairs)}
        candidate_texts = {field: row[field] for field in CLAIM_FIELDS}
        match = best_text_match(query, candidate_texts, similarity, query_terms=terms)
        if match is not None and match.score >= SUGGEST_THRESHOLD:
            found.append(Candidate(row["pk"], row["duplicate_of_id"], match))
    return found


MAX_VERDICT_MATCHES = 10
# Large columns a check result does not show.
UNSHOWN_VERDICT_FIELDS = [
    *SEARCH_COLUMNS,
    "body",
    "summary",
    *(f"claim__{column}" for column in SEARCH_COLUMNS),
]


@dataclass(frozen=True)
class VerdictMatch:
    """A published verdict whose claim matches a text, or carried a picture, being checked."""

    verdict: Verdict
    match: TextMatch | None
    score: float
    is_strong: bool
    media_distance: int | None = None


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
        .defer(*UNSHOWN_VERDICT_FIELDS)
    )
    return [
        VerdictMatch(
            verdict=verdict,
            match=None,
            score=media_score(distances[verdict.claim_id]),
            is_strong=distances[verdict.claim_id] <= settings.LOOKUP_STRONG_DISTANCE,
            media_distance=distances[verdict.claim_id],
        )
        for verdict in verdicts
    ]


def verdict_matches_for(
    *, text: str | None = None, frames=None, language: str = ""
) -> list[VerdictMatch]:
    """Published verdicts matching a text, a picture's `frames`, or both, best first (at most
    MAX_VERDICT_MATCHES). A verdict found both ways keeps the better score, and is strong if
    either way is."""
    results: dict[int, VerdictMatch] = {}
    if text:
        for result in verdict_matches(text=text, language=language):
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
                )
            results[result.verdict.pk] = result
    ranked = sorted(results.values(), key=lambda r: (-r.score, -r.verdict.published_at.timestamp()))
    return ranked[:MAX_VERDICT_MATCHES]


def _published(language: str) -> QuerySet[Verdict]:
    published = Verdict.objects.filter(status=Verdict.Status.PUBLISHED)
    if language:
        published = published.filter(
            Q(language__iexact=language) | Q(language__istartswith=f"{language}-")
        )
    return published


def verdict_matches(*, text: str, language: str = "") -> list[VerdictMatch]:
    """Published verdicts, ours and imported, on claims that say what `text` says, best first.

    `language` (BCP-47) keeps verdicts written in that language (`zh` also keeps `zh-Hant`).
    Retracted verdicts are left out: they are no longer a ruling to point anyone to.
    """
    published = _published(language)
    candidates = text_candidates(
        {"text": text}, claims=Claim.objects.filter(pk__in=published.values("claim_id"))
    )
    # Each claim has at least one verdict: the best claims hold the best verdicts.
    by_claim = {c.claim_id: c.match for c in candidates[:MAX_VERDICT_MATCHES]}
    verdicts = (
        published.filter(claim_id__in=by_claim)
        .select_related("claim", "publisher", "rating")
        .defer(*UNSHOWN_VERDICT_FIELDS)
    )
    results = []
    for verdict in verdicts:
        match = by_claim[verdict.claim_id]
        strong = is_strong(text_score=match.score, words=match.words, media_score=None)
        results.append(
            VerdictMatch(verdict=verdict, match=match, score=match.score, is_strong=strong)
        )
    results.sort(key=lambda result: (-result.score, -result.verdict.published_at.timestamp()))
    return results[:MAX_VERDICT_MATCHES]


def suggestion_list(*, claim_id: int) -> QuerySet[ClaimSuggestion]:
    """A claim's suggestions, best first, with each suggested claim's verdicts (any status: only
    the newsroom reads suggestions)."""
    verdicts = Verdict.objects.select_related("publisher", "rating")
    return (
        ClaimSuggestion.objects.filter(claim_id=claim_id)
        .select_related("suggested", "decided_by")
        .prefetch_related(Prefetch("suggested__verdicts", queryset=verdicts))
    )
