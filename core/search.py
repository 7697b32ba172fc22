"""Full-text search that works for Chinese, Japanese and Korean as well as for spaced languages.

PostgreSQL's parsers split words on spaces and punctuation, so a Chinese sentence is one "word"
and a search for 国葬 inside it finds nothing. We index the way Lucene's CJK analyzer does: each run
of CJK characters becomes its overlapping bigrams (and a lone character stays a unigram); other
text is lower-cased words. The document is computed here, stored as text, and turned into a
`tsvector` by a generated column with a GIN index. A query is transformed the same way, its CJK
runs as phrases of bigrams, so 金永福 matches 金永 <-> 永福 in that order.

Typos in spaced languages are caught by trigram word similarity over the raw text (pg_trgm).

PostgreSQL refuses a tsvector over 1 MB, and a document of short, distinct words makes one of
up to about 3.4 times its own size: the document is cut at MAX_DOCUMENT_BYTES, so that text of
any length is stored whole and searchable by its first quarter megabyte or so, never refused.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, FloatField, QuerySet
from django.db.models.functions import Cast

# Han (with extensions), Hiragana, Katakana, Hangul syllables and jamo, CJK punctuation excluded.
_CJK = (
    "\u1100-\u11ff\u3040-\u309f\u30a0-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff"
)
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W{_CJK}]+", re.UNICODE)
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")
_PHRASE = re.compile(r'"([^"]*)"')
MAX_QUERY_TERMS = 32
# English function words, and words that frame a claim rather than say it. They would make any
# two sentences look alike; the newsroom writes `text` in English (settings.LANGUAGE_CODE).
STOPWORDS = frozenset(
    """
    a an the and or but if of in on at to for from by with about as into onto over after before
    under between through during against among is are was were be been being am has have had do
    does did will would shall should can could may might must it its this that these those there
    here he she they we you i his her their our your my him them us me who whom which what when
    where why how so than then too very just also only all any some such own same other more most
    up down out off again once both each few nor s t
    says say said claims claim claimed claiming viral post posted posts shared share sharing
    circulating online allegedly reportedly rumor rumour rumors rumours purportedly
    网传 網傳 声称 聲稱 流传 流傳 传言 傳言 网友 網友 谣言 謠言
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# Of search document (UTF-8), at a term's end: its tsvector stays under PostgreSQL's 1 MB.
MAX_DOCUMENT_BYTES = 250_000


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _cjk_grams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _tokens(text: str) -> list[list[str]]:
    """Each word as a list of index terms: one term for a spaced word, bigrams for a CJK run."""
    words = []
    for token in _TOKEN.findall(_normalize(text)):
        words.append(_cjk_grams(token) if _CJK_RUN.match(token) else [token.replace("_", "")])
    return [word for word in words if all(word)]


def search_document(*texts: str) -> str:
    """The text to index for these fields: spaced words and CJK bigrams, separated by spaces,
    as many as fit in MAX_DOCUMENT_BYTES."""
    document = " ".join(term for text in texts if text for word in _tokens(text) for term in word)
    encoded = document.encode()
    if len(encoded) <= MAX_DOCUMENT_BYTES:
        return document
    # One byte more: when it is a space, the last term in the cap is whole.
    cut = encoded[: MAX_DOCUMENT_BYTES + 1].decode(errors="ignore")
    return cut.rsplit(" ", 1)[0]


def _quote(term: str) -> str:
    # Terms contain only word characters, but quoting keeps tsquery syntax out of them for good.
    return "'" + term.replace("'", "''").replace("\\", "\\\\") + "'"


def _phrase(words: list[list[str]]) -> str:
    return " <-> ".join(_quote(term) for word in words for term in word)


# A CJK run of this many bigrams or more also matches with one bigram missing; up to the
# second bound (the query grows with its square).
RELAXED_RUN_BIGRAMS = (3, 8)


def _cjk_run(bigrams: list[str]) -> str:
    """A CJK run typed without spaces: its bigrams in order, or all of them but one, since the
    text may have a space (or other words) where the run has none: 金永福国葬 finds
    "金永福 国葬", which has no 福国."""
    phrase = _phrase([bigrams])
    low, high = RELAXED_RUN_BIGRAMS
    if not low <= len(bigrams) <= high:
        return f"({phrase})"
    all_but_one = [
        "(" + " & ".join(_quote(gram) for gram in bigrams[:skip] + bigrams[skip + 1 :]) + ")"
        for skip in range(len(bigrams))
    ]
    return f"(({phrase}) | {' | '.join(all_but_one)})"


def tsquery(text: str) -> str | None:
    """A `to_tsquery` string for a search box: quoted text is a phrase, other words are all
    required, a CJK run is a phrase of its bigrams (or, from three bigrams, all but one of
    them: `_cjk_run`). None when there is nothing to search for."""
    parts = []
    for phrase in _PHRASE.findall(text):
        words = _tokens(phrase)
        if words:
            parts.append(f"({_phrase(words)})")
    for word in _tokens(_PHRASE.sub(" ", text)):
        parts.append(_cjk_run(word) if len(word) > 1 else _quote(word[0]))
    if not parts:
        return None
    return " & ".join(parts[:MAX_QUERY_TERMS])


# Up to this many matches, a search reads the matching ids from the GIN index first and then
# pages through them; beyond it, matches are dense enough that walking the page order and
# testing each row finds a page sooner.
SPARSE_MATCHES = 5000


def filter_matching(
    queryset: QuerySet,
    text: str,
    *,
    vector_field: str = "search_vector",
    raw_field: str = "search_text",
) -> QuerySet:
    """Rows whose indexed document matches `text`; if none does, rows whose raw text is a close
    spelling of it (a typo). Nothing for a `text` with nothing searchable in it.

    Trigram similarity is the costly part (it checks every candidate row), so it only runs when
    the words as typed find nothing, like a search engine's "did you mean".
    """
    query = tsquery(text)
    if query is None:
        return queryset.none()
    condition = {vector_field: SearchQuery(query, search_type="raw", config="simple")}
    # Unordered, so PostgreSQL reads the GIN index; ordered by the page's order it tends to walk
    # that order's index and test every row's tsvector, which is slow for rare words.
    ids = list(
        queryset.order_by().filter(**condition).values_list("pk", flat=True)[: SPARSE_MATCHES + 1]
    )
    if len(ids) > SPARSE_MATCHES:
        return queryset.filter(**condition)
    # A quoted phrase asks for exactly those words: no typo tolerance.
    spaced = " ".join(word[0] for word in _tokens(text) if len(word) == 1)
    if ids or '"' in text or len(spaced) < 4:
        return queryset.filter(pk__in=ids)
    return queryset.filter(**{f"{raw_field}__trigram_word_similar": spaced})


def rank(text: str, *, vector_field: str = "search_vector") -> Cast | None:
    """How well a row's indexed document answers `text`, for ordering `filter_matching`'s rows:
    ts_rank over the same query, so a term the document repeats counts more than one it
    mentions once. None for a `text` with nothing searchable in it."""
    query = tsquery(text)
    if query is None:
        return None
    ranking = SearchRank(F(vector_field), SearchQuery(query, search_type="raw", config="simple"))
    # ts_rank is a real, which reaches Python rounded to its shortest text; as a double it
    # reaches Python exactly, so a cursor can compare a row's rank for equality.
    return Cast(ranking, FloatField())
