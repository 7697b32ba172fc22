"""Seed the matching benchmark's database: N claims, half ours and half imported.

    DJANGO_SETTINGS_MODULE=bench.matching.settings .venv/bin/python -m bench.matching.seed \
        --claims 200000

Our half is bench/seed.py's newsroom (appearances, evidence, one verdict of ours per claim, half
of them published). The imported half is what an import of other fact-checkers' ClaimReviews
leaves (claims migration 0008): a claim and one published verdict by another publisher, with
its review URL and textual rating, no rating on our scale. A third of the imported claims are
another publisher's wording of one of our claims (the same claim checked twice); 20% are logged
in Chinese and 10% in Korean, the rest in English.

Rows are written with `bulk_create` in chunks, search columns computed by `claims.search` as
the services would; see bench/seed.py for what that skips. The generator is seeded.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.matching.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import seed as newsroom  # noqa: E402
from bench import words as w  # noqa: E402
from claims.models import Claim, Publisher, RatingScale, Verdict  # noqa: E402
from claims.search import index_claim, index_verdict  # noqa: E402

CHUNK = 5000
PUBLISHERS = [
    ("Asia Fact Check Desk", "asia-factcheck.example.org"),
    ("Taiwan Rumor Watch", "rumor-watch.example.tw"),
    ("Korea Verification Center", "verify.example.kr"),
    ("Pacific Fact Review", "pacific-facts.example.org"),
    ("Manila Truth Desk", "truth-desk.example.ph"),
    ("Hong Kong Check", "hkcheck.example.hk"),
    ("Jakarta Cek Fakta", "cekfakta.example.id"),
    ("Global Claims Monitor", "claims-monitor.example.org"),
]
TEXTUAL_RATINGS = {
    "en": ["False", "Misleading", "Missing context", "Altered", "Partly false", "True"],
    "zh": ["錯誤", "部分錯誤", "易生誤解", "事實釐清", "正确"],
    "ko": ["거짓", "대체로 거짓", "절반의 사실", "사실"],
}
PARAPHRASED_SHARE = 1 / 3
LANGUAGES = [("zh", 0.2), ("ko", 0.1)]  # the rest English
FRAMES = ["Viral post: ", "Claim: ", "Posts say ", "Social media users claim ", ""]
ZH_FRAMES = ["网传", "有网友称", "社交媒体流传", ""]


def paraphrase(text: str, rng: random.Random) -> str:
    """Another newsroom's wording of a claim: the same facts, another framing, verb and
    ending. English claims are bench.seed's template "<person> <verb> <object> in <place>
    <consequence> <when>[, <filler>]."; CJK ones are reframed."""
    if not text.isascii():
        body = text.rstrip("。.")
        for frame in ZH_FRAMES:
            if frame and body.startswith(frame):
                body = body[len(frame) :]
        return rng.choice(ZH_FRAMES) + body
    body = text.rstrip(".").split(", ")[0]
    for verb in w.VERBS:
        if f" {verb} " in body:
            body = body.replace(f" {verb} ", f" {rng.choice(w.VERBS)} ", 1)
            break
    body = body.removeprefix("The ").removeprefix("A ").removeprefix("An ")
    return f"{rng.choice(FRAMES)}{body}".strip()


def chinese_text(rng: random.Random) -> str:
    return (
        f"{rng.choice(w.ZH_SUBJECTS)}{rng.choice(w.ZH_VERBS)}{rng.choice(w.ZH_PLACES)}的"
        f"{rng.choice(w.ZH_OBJECTS)}{rng.choice(w.ZH_CONSEQUENCES)}"
    )


def korean_text(rng: random.Random) -> str:
    return (
        f"{rng.choice(w.KO_SUBJECTS)} {rng.choice(w.KO_PLACES)} {rng.choice(w.KO_OBJECTS)} "
        f"{rng.choice(w.KO_CONSEQUENCES)} {rng.choice(w.KO_VERBS)}"
    )


def _language(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for language, share in LANGUAGES:
        total += share
        if roll < total:
            return language
    return "en"


def imported_claim(rng: random.Random, ours: dict[str, list[str]]) -> tuple[str, str, bool]:
    """(text, language, whether it rewords one of our claims) of an imported claim."""
    language = _language(rng)
    if rng.random() < PARAPHRASED_SHARE and ours[language]:
        return paraphrase(rng.choice(ours[language]), rng), language, True
    if language == "zh":
        return chinese_text(rng), "zh", False
    if language == "ko":
        return korean_text(rng), "ko", False
    return newsroom.claim_texts(rng)["text"], "en", False


def our_texts() -> dict[str, list[str]]:
    """Our claims' texts by language: English `text`, and the originals in Chinese and Korean."""
    texts: dict[str, list[str]] = {"en": [], "zh": [], "ko": []}
    rows = Claim.objects.filter(verdicts__publisher__is_self=True).values_list(
        "text", "original_text", "language"
    )
    for text, original, language in rows.iterator(chunk_size=5000):
        texts["en"].append(text)
        if original and language in texts:
            texts[language].append(original)
    return texts


def seed_imported(total: int, *, seed_value: int = 20261125) -> dict:
    rng = random.Random(seed_value)
    scale = RatingScale.objects.get(name=newsroom.SCALE_NAME)
    publishers = [
        Publisher.objects.get_or_create(
            site=site, defaults={"name": name, "url": f"https://{site}/"}
        )[0]
        for name, site in PUBLISHERS
    ]
    ours = our_texts()
    now = timezone.now().replace(microsecond=0)
    span = newsroom.SPAN
    counts = {"claims": 0, "paraphrases": 0, "en": 0, "zh": 0, "ko": 0}
    for chunk_start in range(0, total, CHUNK):
        chunk_end = min(total, chunk_start + CHUNK)
        claims, verdicts = [], []
        for index in range(chunk_start, chunk_end):
            text, language, reworded = imported_claim(rng, ours)
            created = now - span + span / total * index
            claim = Claim(
                text=text,
                language=language,
                status=Claim.Status.CHECKED,
                created_at=created,
                updated_at=created,
            )
            index_claim(claim)
            claims.append(claim)
            counts[language] += 1
            counts["paraphrases"] += reworded
        with transaction.atomic(), newsroom.explicit_timestamps(Claim, Verdict):
            Claim.objects.bulk_create(claims, batch_size=1000)
            for offset, claim in enumerate(claims):
                number = chunk_start + offset
                publisher = rng.choice(publishers)
                published_at = claim.created_at + timedelta(hours=rng.randint(6, 96))
                verdict = Verdict(
                    claim=claim,
                    publisher=publisher,
                    rating_scale=scale,
                    textual_rating=rng.choice(TEXTUAL_RATINGS[claim.language]),
                    headline=f"Fact check: {claim.text[:200]}",
                    summary=rng.choice(w.SUMMARY_SENTENCES),
                    language=claim.language,
                    status=Verdict.Status.PUBLISHED,
                    slug=f"imported-{number + 1}",
                    review_url=f"https://{publisher.site}/fact-checks/{number + 1}",
                    published_at=published_at,
                    created_at=published_at,
                    updated_at=published_at,
                )
                index_verdict(verdict)
                verdicts.append(verdict)
            Verdict.objects.bulk_create(verdicts, batch_size=1000)
        counts["claims"] += len(claims)
        print(f"  {chunk_end:>7} imported claims", flush=True)
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=200_000, help="in all, half imported")
    parser.add_argument("--reset", action="store_true", help="empty the claim tables first")
    args = parser.parse_args(argv)

    print(f"Seeding {args.claims} claims into database {connection.settings_dict['NAME']!r}")
    if args.reset:
        newsroom.reset()
    elif Claim.objects.exists():
        print("The database already has claims; pass --reset to start over.", file=sys.stderr)
        return 1
    began = time.perf_counter()
    ours = newsroom.seed(args.claims // 2)
    theirs = seed_imported(args.claims - args.claims // 2)
    rows_done = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Ours: {ours['counts']}")
    print(f"Imported: {theirs}")
    print(f"Time: rows {rows_done - began:.1f} s, ANALYZE {time.perf_counter() - rows_done:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
