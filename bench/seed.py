"""Seed the benchmark database: N claims, each with 1-3 appearances, 1-3 pieces of evidence and one
verdict by this newsroom (half published), plus authors, topics and a few corrections.

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python -m bench.seed --claims 100000

Rows are written with `bulk_create` in chunks (one transaction per chunk), not through the
services: the services validate and record history row by row, which would take hours. What the
services would compute is computed the same way here: the search columns with
`claims.search.index_claim` / `index_verdict` (PostgreSQL derives `search_vector` from them), the
slug unique per verdict, the scale of each verdict equal to its rating's. The database's own checks
(check constraints, the composite foreign key, the correction trigger) still run on every row.
Not written: django-simple-history rows (nothing the API reads) and media.

Text is generated from the word lists in `bench/words.py`, mostly English with 10% Chinese and 5%
Korean originals. The generator is seeded, so two runs produce the same data.
"""

import argparse
import os
import random
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from bench import words as w  # noqa: E402
from claims.models import (  # noqa: E402
    Appearance,
    Claim,
    Correction,
    Evidence,
    MediaAuthenticity,
    Rating,
    RatingScale,
    Topic,
    Verdict,
)
from claims.search import index_claim, index_verdict  # noqa: E402
from claims.services.publishers import publisher_get_or_create_self  # noqa: E402
from core.roles import EDITOR, FACT_CHECKER  # noqa: E402

User = get_user_model()

SCALE_NAME = "Newsroom scale"
RATINGS = [  # label, value, description, share of published verdicts
    ("True", 5, "The claim is accurate.", 0.08),
    ("Mostly true", 4, "Accurate, with minor errors or omissions.", 0.07),
    ("Missing context", 3, "Accurate as far as it goes, but leaves a false impression.", 0.15),
    ("Misleading", 2, "Mixes accurate elements with distortion.", 0.20),
    ("False", 1, "The claim is inaccurate.", 0.38),
    ("Unproven", None, "There is not enough evidence to say.", 0.12),
]
FACT_CHECKERS = 20
ZH_COMMA = "\uff0c"  # the full-width comma of Chinese text
CHUNK = 5000
PUBLISHED_SHARE = 0.5
RETRACTED_SHARE = 0.004  # of the published ones: still public, with a retraction note
CORRECTED_SHARE = 0.04  # of the published ones: one update or correction
SPAN = timedelta(days=3 * 365)  # claims are spread over the last three years


@contextmanager
def explicit_timestamps(*model_classes):
    """Let the seeder set created_at/updated_at (auto_now fields would overwrite them)."""
    saved = []
    for model in model_classes:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def reference_data():
    fact_checker_group = Group.objects.get(name=FACT_CHECKER)
    editor_group = Group.objects.get(name=EDITOR)
    editor, created = User.objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "email": "editor@bench.invalid"}
    )
    if created:
        editor.set_unusable_password()
        editor.save()
    editor.groups.add(editor_group)
    fact_checkers = []
    for number in range(1, FACT_CHECKERS + 1):
        user, created = User.objects.get_or_create(
            username=f"bench-fc-{number:02d}",
            defaults={"is_staff": True, "email": f"fc{number}@bench.invalid"},
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(fact_checker_group)
        fact_checkers.append(user)

    scale, _ = RatingScale.objects.get_or_create(
        name=SCALE_NAME,
        defaults={
            "description": "Six ratings, True to False, and Unproven.",
            "best_value": 5,
            "worst_value": 1,
        },
    )
    ratings = []
    for label, value, description, share in RATINGS:
        rating, _ = Rating.objects.get_or_create(
            scale=scale, label=label, defaults={"value": value, "description": description}
        )
        ratings.append((rating, share))
    publisher = publisher_get_or_create_self()
    topics = [
        Topic.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for name, slug in w.TOPICS
    ]
    return editor, fact_checkers, scale, ratings, publisher, topics


def sentence(rng: random.Random, items: list[str], count: int) -> str:
    return " ".join(rng.sample(items, count))


def _particle(word: str, after_consonant: str, after_vowel: str) -> str:
    """The Korean particle that fits the word's last syllable (은/는, 이/가)."""
    last = ord(word[-1]) - 0xAC00
    return after_consonant if 0 <= last < 11172 and last % 28 else after_vowel


def claim_texts(rng: random.Random) -> dict:
    """text (English, as reviewed), original_text and language, claimant, and the parts the
    verdict's headline reuses."""
    person, verb = rng.choice(w.PEOPLE), rng.choice(w.VERBS)
    obj, consequence = rng.choice(w.OBJECTS), rng.choice(w.CONSEQUENCES)
    place, when = rng.choice(w.PLACES), rng.choice(w.TIMES)
    text = f"{person} {verb} {obj} in {place} {consequence} {when}"
    if rng.random() < 0.5:
        text += f", {rng.choice(w.FILLER)}"
    text += "."
    roll = rng.random()
    if roll < 0.10:
        language = "zh"
        original = (
            f"{rng.choice(w.ZH_SUBJECTS)}{rng.choice(w.ZH_VERBS)}{ZH_COMMA}{rng.choice(w.ZH_PLACES)}的"
            f"{rng.choice(w.ZH_OBJECTS)}{rng.choice(w.ZH_CONSEQUENCES)}。"
        )
    elif roll < 0.15:
        language = "ko"
        subject, obj_ko = rng.choice(w.KO_SUBJECTS), rng.choice(w.KO_OBJECTS)
        original = (
            f"{subject}{_particle(subject, '은', '는')} {rng.choice(w.KO_PLACES)}의 "
            f"{obj_ko}{_particle(obj_ko, '이', '가')} {rng.choice(w.KO_CONSEQUENCES)} "
            f"{rng.choice(w.KO_VERBS)}."
        )
    else:
        language, original = "en", ""
    claimant = "" if rng.random() < 0.3 else f"{person.removeprefix('The ').removeprefix('A ')}"
    return {
        "text": text,
        "original_text": original,
        "language": language,
        "claimant": claimant[:300],
        "_object": obj,
        "_place": place,
    }


def verdict_texts(rng: random.Random, parts: dict, rating_label: str) -> dict:
    pattern = rng.choice(w.HEADLINE_PATTERNS)
    headline = pattern.format(
        object=parts["_object"],
        place=parts["_place"],
        consequence_neg=rng.choice(w.NEGATED),
        rating_word=rating_label.lower(),
        rating_cap=rating_label,
    )
    headline = headline[0].upper() + headline[1:]
    summary = sentence(rng, w.SUMMARY_SENTENCES, rng.randint(2, 4))
    body = "\n\n".join(
        sentence(rng, w.BODY_SENTENCES, rng.randint(3, 6)) for _ in range(rng.randint(2, 4))
    )
    return {"headline": headline[:300], "summary": summary, "body": body}


def pick_rating(rng: random.Random, ratings) -> Rating:
    roll, total = rng.random(), 0.0
    for rating, share in ratings:
        total += share
        if roll < total:
            return rating
    return ratings[-1][0]


def seed(total: int, *, seed_value: int = 20261124) -> dict:
    rng = random.Random(seed_value)
    editor, fact_checkers, scale, ratings, publisher, topics = reference_data()
    now = timezone.now().replace(microsecond=0)
    start = now - SPAN
    step = SPAN / total
    platforms = list(w.PLATFORM_URLS)
    evidence_kinds = [k for k in Evidence.Kind.values if k != Evidence.Kind.REVERSE_IMAGE_MATCH]
    authenticity = [choice for choice in MediaAuthenticity.values]
    author_through = Verdict.authors.through
    topic_through = Claim.topics.through
    counts = {
        "claims": 0,
        "verdicts": 0,
        "published": 0,
        "appearances": 0,
        "evidence": 0,
        "corrections": 0,
        "authors": 0,
    }
    timings = {"generate": 0.0, "insert": 0.0}

    for chunk_start in range(0, total, CHUNK):
        chunk_end = min(total, chunk_start + CHUNK)
        began = time.perf_counter()
        claims, parts_of = [], []
        for index in range(chunk_start, chunk_end):
            parts = claim_texts(rng)
            created = start + step * index + timedelta(seconds=rng.randint(0, 60))
            published = rng.random() < PUBLISHED_SHARE
            claim = Claim(
                text=parts["text"],
                original_text=parts["original_text"],
                language=parts["language"],
                claimant=parts["claimant"],
                claim_date=(created - timedelta(days=rng.randint(0, 5))).date(),
                first_seen_at=created - timedelta(hours=rng.randint(0, 12)),
                status=Claim.Status.CHECKED
                if published
                else rng.choice([Claim.Status.NEW, Claim.Status.RESEARCHING]),
                created_by=rng.choice(fact_checkers),
                created_at=created,
                updated_at=created,
            )
            index_claim(claim)
            claims.append(claim)
            parts_of.append((index, parts, published))
        timings["generate"] += time.perf_counter() - began

        with transaction.atomic():
            began = time.perf_counter()
            with explicit_timestamps(Claim):
                Claim.objects.bulk_create(claims, batch_size=1000)
            timings["insert"] += time.perf_counter() - began

            began = time.perf_counter()
            verdicts, appearances, evidence, topic_rows = [], [], [], []
            for claim, (index, parts, published) in zip(claims, parts_of, strict=True):
                rating = pick_rating(rng, ratings)
                texts = verdict_texts(rng, parts, rating.label)
                created = claim.created_at + timedelta(hours=rng.randint(2, 48))
                if published:
                    published_at = created + timedelta(hours=rng.randint(12, 120))
                    retracted = rng.random() < RETRACTED_SHARE
                    status = Verdict.Status.RETRACTED if retracted else Verdict.Status.PUBLISHED
                    retracted_at = (
                        published_at + timedelta(days=rng.randint(1, 30)) if retracted else None
                    )
                    updated = retracted_at or published_at
                else:
                    published_at = retracted_at = None
                    status = rng.choice([Verdict.Status.DRAFT, Verdict.Status.IN_REVIEW])
                    updated = created + timedelta(hours=rng.randint(0, 24))
                    if rng.random() < 0.5:
                        rating = None
                    if rng.random() < 0.3:
                        texts["headline"] = ""
                    if rng.random() < 0.5:
                        texts["summary"] = ""
                slug_base = slugify(texts["headline"] or claim.text)[:150].strip("-")
                verdict = Verdict(
                    claim=claim,
                    publisher=publisher,
                    rating_scale=scale,
                    rating=rating,
                    media_authenticity=rng.choice(authenticity) if rng.random() < 0.2 else "",
                    language=claim.language,
                    status=status,
                    slug=f"{slug_base}-{index + 1}",
                    editor=editor if published else None,
                    published_at=published_at,
                    retracted_at=retracted_at,
                    created_by=rng.choice(fact_checkers),
                    created_at=created,
                    updated_at=updated,
                    **texts,
                )
                index_verdict(verdict)
                verdicts.append(verdict)

                for number in range(rng.randint(1, 3)):
                    platform = rng.choice(platforms)
                    url = w.PLATFORM_URLS[platform].format(
                        handle=f"{rng.choice(w.HANDLES)}{rng.randint(1, 9999)}",
                        n=rng.randint(10**9, 10**12),
                    )
                    posted = claim.created_at - timedelta(hours=rng.randint(1, 240))
                    appearances.append(
                        Appearance(
                            claim=claim,
                            url=url,
                            platform=platform,
                            posted_at=posted,
                            author_handle=url.split("/")[3][:200],
                            archived_url=f"https://archive.ph/{rng.randint(10**6, 10**7)}"
                            if rng.random() < 0.5
                            else "",
                            is_first=number == 0,
                            created_at=claim.created_at,
                            updated_at=claim.created_at,
                        )
                    )
                for _ in range(rng.randint(1, 3)):
                    evidence.append(
                        Evidence(
                            claim=claim,
                            kind=rng.choice(evidence_kinds),
                            relation=rng.choices(Evidence.Relation.values, weights=[1, 6, 3])[0],
                            title=f"{rng.choice(w.EVIDENCE_TITLES)}: {parts['_place']}",
                            url=f"{rng.choice(w.EVIDENCE_SITES)}{rng.randint(10**5, 10**8)}",
                            source_date=(
                                claim.created_at - timedelta(days=rng.randint(0, 900))
                            ).date(),
                            note=rng.choice(w.SUMMARY_SENTENCES),
                            is_public=rng.random() < 0.9,
                            created_by=rng.choice(fact_checkers),
                            created_at=created,
                            updated_at=created,
                        )
                    )
                topic_rows.append(topic_through(claim_id=claim.pk, topic_id=rng.choice(topics).pk))
            timings["generate"] += time.perf_counter() - began

            began = time.perf_counter()
            with explicit_timestamps(Verdict, Appearance, Evidence):
                Verdict.objects.bulk_create(verdicts, batch_size=1000)
                Appearance.objects.bulk_create(appearances, batch_size=2000)
                Evidence.objects.bulk_create(evidence, batch_size=2000)
            topic_through.objects.bulk_create(topic_rows, batch_size=5000)

            author_rows, corrections = [], []
            for verdict in verdicts:
                for user in rng.sample(fact_checkers, rng.choice([1, 1, 2])):
                    author_rows.append(author_through(verdict_id=verdict.pk, user_id=user.pk))
                if verdict.status == Verdict.Status.RETRACTED:
                    corrections.append(
                        Correction(
                            verdict=verdict,
                            kind=Correction.Kind.RETRACTION,
                            note="We retracted this verdict: the evidence it relied on was "
                            "itself misattributed.",
                            published_at=verdict.retracted_at,
                            created_by=editor,
                        )
                    )
                elif verdict.status == Verdict.Status.PUBLISHED and rng.random() < CORRECTED_SHARE:
                    corrections.append(
                        Correction(
                            verdict=verdict,
                            kind=rng.choice([Correction.Kind.UPDATE, Correction.Kind.CORRECTION]),
                            note=f"Updated with a statement received {rng.choice(w.TIMES)}.",
                            published_at=verdict.published_at + timedelta(days=rng.randint(1, 20)),
                            created_by=editor,
                        )
                    )
            author_through.objects.bulk_create(author_rows, batch_size=5000)
            Correction.objects.bulk_create(corrections, batch_size=2000)
            timings["insert"] += time.perf_counter() - began

        counts["claims"] += len(claims)
        counts["verdicts"] += len(verdicts)
        counts["published"] += sum(v.published_at is not None for v in verdicts)
        counts["appearances"] += len(appearances)
        counts["evidence"] += len(evidence)
        counts["corrections"] += len(corrections)
        counts["authors"] += len(author_rows)
        print(
            f"  {chunk_end:>7} claims  (generate {timings['generate']:.1f} s, "
            f"insert {timings['insert']:.1f} s)",
            flush=True,
        )
    return {"counts": counts, "timings": timings}


def reset() -> None:
    """Empty the claim tables (and everything that references them), keeping users and
    reference data."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE claims_claim RESTART IDENTITY CASCADE")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--reset", action="store_true", help="empty the claim tables first")
    args = parser.parse_args(argv)

    database = connection.settings_dict["NAME"]
    print(f"Seeding {args.claims} claims into database {database!r}")
    if args.reset:
        reset()
    elif Claim.objects.exists():
        print("The database already has claims; pass --reset to start over.", file=sys.stderr)
        return 1

    began = time.perf_counter()
    result = seed(args.claims)
    rows_done = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    analyzed = time.perf_counter()

    counts, timings = result["counts"], result["timings"]
    print("Rows: " + ", ".join(f"{name} {value}" for name, value in counts.items()))
    print(
        f"Time: generate {timings['generate']:.1f} s, insert {timings['insert']:.1f} s, "
        f"total rows {rows_done - began:.1f} s, ANALYZE {analyzed - rows_done:.1f} s, "
        f"all {analyzed - began:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
