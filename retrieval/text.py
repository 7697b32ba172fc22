"""What of a post is worth embedding: its words, without the links, handles and signatures that
only name where it was posted. A tweet copied from its embed code ends with "— Name (@handle)
February 25, 2016"; its links are t.co ids. Left in, they pull a post towards other posts by
the same author rather than towards the fact-check of what it says."""

import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.)\S+|\bpic\.twitter\.com/\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_EMBED_SIGNATURE = re.compile(
    r"[\u2014\u2013-]\s*[^\u2014\u2013\n]{0,80}\(@\w+\)\s+\w+\s+\d{1,2},\s+\d{4}\s*$"
)
_SPACE = re.compile(r"\s+")
# Of a cleaned text: the model reads about 4 characters a token, and the time it takes grows
# faster than the length; a post says what it claims in its first few sentences.
MAX_EMBEDDED_CHARS = 600


def clean_post(text: str) -> str:
    """The words of a post: no links, no handles, no embed signature, no control or emoji
    characters, whitespace collapsed (a hashtag keeps its word)."""
    text = _EMBED_SIGNATURE.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = text.replace("#", " ")
    text = "".join(
        char if unicodedata.category(char)[0] in "LNPZM" else " "
        for char in unicodedata.normalize("NFKC", text)
    )
    return _SPACE.sub(" ", text).strip()


def embeddable(text: str) -> str:
    """The cleaned text, cut at a word boundary to MAX_EMBEDDED_CHARS."""
    cleaned = clean_post(text)
    if len(cleaned) <= MAX_EMBEDDED_CHARS:
        return cleaned
    cut = cleaned[:MAX_EMBEDDED_CHARS]
    return cut.rsplit(" ", 1)[0] if " " in cut[-40:] else cut


def has_unpaired_surrogates(text: str) -> bool:
    """JSON can carry a lone surrogate (\\ud800), which no database text can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
