"""Embedding is background work: events queue claim ids, a worker makes and embeds the
passages, beat and `embed_backfill` pick up what is left or was made by another model."""

from io import StringIO
from unittest import mock

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from claims.models import Verdict
from claims.services.claims import claim_create, claim_update
from claims.services.workflow import verdicts_publish_imported
from retrieval import embedder as embedders
from retrieval import tasks
from retrieval.models import Passage
from retrieval.services import (
    CLAIMS_PER_TASK,
    SWEEP_LOCK_NAMESPACE,
    claims_embed,
    passages_embed_pending,
)
from tests.factories import PublisherFactory, RatingFactory, VerdictFactory, fact_checker
from tests.matching.factories import claim, published
from tests.retrieval.conftest import vectors

pytestmark = pytest.mark.django_db

FUNERAL = "Video shows the state funeral of North Korean general Kim Yong Bok"
FUNERAL_ZH = "朝鲜为将军金永福举行国葬"


def test_a_new_claim_is_queued_for_embedding_after_commit(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.embed_claims, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        created = claim_create(created_by=fact_checker(), text=FUNERAL, language="en")

    delay.assert_called_once_with([created.pk])
    assert not Passage.objects.exists()


def test_a_large_import_only_queues_its_claims_in_chunks(django_capture_on_commit_callbacks):
    publisher = PublisherFactory()
    rating = RatingFactory()
    count = CLAIMS_PER_TASK + 10
    verdicts = [
        VerdictFactory.build(
            claim=claim(f"Imported claim number {n}"),
            publisher=publisher,
            rating=rating,
            rating_scale=rating.scale,
            review_url=f"https://{publisher.site}/checks/{n}",
            published_at=None,
        )
        for n in range(count)
    ]
    with (
        mock.patch.object(tasks.embed_claims, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        verdicts_publish_imported(verdicts=verdicts)

    assert [len(call.args[0]) for call in delay.call_args_list] == [CLAIMS_PER_TASK, 10]
    assert not Passage.objects.exists()


def test_a_claim_is_embedded_with_its_original_text_and_headline():
    verdict = published(FUNERAL, FUNERAL_ZH, headline="Kim Yong Bok's funeral: old footage")

    assert claims_embed(claim_ids=[verdict.claim_id]) == 2

    name = embedders.current().name
    assert vectors() == {(verdict.claim_id, "claim"): name, (verdict.claim_id, "original"): name}
    said = Passage.objects.get(claim_id=verdict.claim_id, field="claim").text
    assert said == f"{FUNERAL} Kim Yong Bok's funeral: old footage"


def test_a_changed_text_is_embedded_again_and_nothing_else_is():
    subject = claim(FUNERAL, FUNERAL_ZH)
    claims_embed(claim_ids=[subject.pk])
    before = Passage.objects.get(claim=subject, field="original").vector

    claim_update(claim=subject, actor=None, text="General Kim Yong Bok was buried in Pyongyang")

    assert claims_embed(claim_ids=[subject.pk]) == 1
    passage = Passage.objects.get(claim=subject, field="claim")
    assert passage.text == "General Kim Yong Bok was buried in Pyongyang"
    assert Passage.objects.get(claim=subject, field="original").vector == before


def test_a_draft_headline_is_not_embedded():
    verdict = published(FUNERAL, headline="Secret draft headline", status=Verdict.Status.DRAFT)

    claims_embed(claim_ids=[verdict.claim_id])

    assert Passage.objects.get(claim_id=verdict.claim_id).text == FUNERAL


def test_beat_embeds_what_lost_its_message_and_reembeds_after_a_model_change(monkeypatch):
    lost = claim(FUNERAL)
    assert passages_embed_pending().passages == 1
    assert vectors() == {(lost.pk, "claim"): embedders.current().name}

    monkeypatch.setattr(embedders.current(), "name", "another-model/1")
    assert passages_embed_pending().passages == 1
    assert vectors() == {(lost.pk, "claim"): "another-model/1"}
    assert passages_embed_pending() == (0, 0)


def test_without_a_model_nothing_is_embedded_and_nothing_fails(settings):
    settings.RETRIEVAL_EMBEDDER = "tests.retrieval.fakes.BrokenEmbedder"
    subject = claim(FUNERAL)

    assert claims_embed(claim_ids=[subject.pk]) == 0
    assert Passage.objects.get(claim=subject).vector is None


def test_the_backfill_command_reports_its_progress():
    for n in range(3):
        claim(f"{FUNERAL} ({n})")
    out = StringIO()

    call_command("embed_backfill", stdout=out)

    assert "3 passages" in out.getvalue()
    assert "Embedded 3 passages" in out.getvalue()
    assert not Passage.objects.filter(vector=None).exists()


def test_claims_with_nothing_to_embed_do_not_hold_back_the_ones_after_them():
    """Emoji and links only: nothing to embed, and the oldest claims, ahead of every sweep."""
    wordless = [claim(f"🤔🤔 https://t.co/{n}") for n in range(3)]
    later = claim(FUNERAL)

    call_command("embed_backfill", "--chunk", "2", stdout=StringIO())

    assert vectors() == {(later.pk, "claim"): embedders.current().name}
    swept = passages_embed_pending(limit=2)
    assert (swept.claims, swept.passages) == (0, 0)
    assert set(Passage.objects.filter(text="").values_list("claim_id", flat=True)) == {
        subject.pk for subject in wordless
    }


def test_a_sweep_is_skipped_while_an_earlier_one_still_runs():
    waiting = claim(FUNERAL)
    with psycopg.connect(**connection.get_connection_params()) as earlier:
        earlier.execute("SELECT pg_advisory_lock(%s, 0)", [SWEEP_LOCK_NAMESPACE])

        assert tasks.embed_pending() == 0
        assert not vectors()
        # Released before the earlier sweep's session ends: closing it releases the lock only
        # when its server process has exited, which may come after the next line's sweep.
        earlier.execute("SELECT pg_advisory_unlock(%s, 0)", [SWEEP_LOCK_NAMESPACE])

    assert tasks.embed_pending() == 1
    assert set(vectors()) == {(waiting.pk, "claim")}
