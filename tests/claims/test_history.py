"""Every change to claims, evidence and verdicts is recorded with who made it and what changed."""

import pytest

from claims.models import Claim, Evidence
from claims.services.claims import claim_create, claim_update
from claims.services.evidence import evidence_add, evidence_remove
from claims.services.verdicts import verdict_create_draft, verdict_update_draft
from core.services.common import save_validated
from tests.factories import RatingFactory, TopicFactory, VerdictFactory, editor, fact_checker

pytestmark = pytest.mark.django_db


def test_claim_history_records_who_and_what_changed():
    checker, chief = fact_checker(), editor()
    claim = claim_create(created_by=checker, text="Original wording.", language="en")
    claim_update(claim=claim, actor=chief, text="Clearer wording.", status=Claim.Status.RESEARCHING)

    latest, created = claim.history.all()[:2]
    assert (created.history_type, created.history_user) == ("+", checker)
    assert (latest.history_type, latest.history_user) == ("~", chief)
    changes = {
        change.field: (change.old, change.new) for change in latest.diff_against(created).changes
    }
    assert changes == {
        "text": ("Original wording.", "Clearer wording."),
        "status": ("new", "researching"),
    }


def test_claim_history_includes_topic_changes():
    claim = claim_create(created_by=None, text="A claim.", language="en")
    topic = TopicFactory()
    claim_update(claim=claim, actor=None, topics=[topic])
    latest = claim.history.first()
    assert [row.topic for row in latest.topics.all()] == [topic]


def test_evidence_history_keeps_removed_evidence():
    checker = fact_checker()
    claim = claim_create(created_by=checker, text="A claim.", language="en")
    evidence = evidence_add(
        claim=claim,
        actor=checker,
        kind=Evidence.Kind.DOCUMENT,
        relation=Evidence.Relation.REFUTES,
        title="Court record",
    )
    evidence_id = evidence.pk
    evidence_remove(evidence=evidence, actor=checker)

    rows = Evidence.history.filter(id=evidence_id).order_by("history_date")
    assert [(row.history_type, row.history_user, row.title) for row in rows] == [
        ("+", checker, "Court record"),
        ("-", checker, "Court record"),
    ]


def test_verdict_history_records_each_draft_edit():
    checker = fact_checker()
    claim = claim_create(created_by=checker, text="A claim.", language="en")
    verdict = verdict_create_draft(claim=claim, actor=checker, rating=RatingFactory())
    verdict_update_draft(verdict=verdict, actor=checker, headline="First headline")
    verdict_update_draft(verdict=verdict, actor=checker, headline="Second headline")

    # Drafting writes two rows: the verdict, then its authors.
    headlines = [row.headline for row in verdict.history.order_by("history_date")]
    assert headlines == ["", "", "First headline", "Second headline"]
    authored = verdict.history.order_by("history_date")[1]
    assert [row.user for row in authored.authors.all()] == [checker]
    assert {row.history_user for row in verdict.history.all()} == {checker}


def test_a_long_correction_note_does_not_overflow_the_history_reason():
    verdict = VerdictFactory()
    save_validated(verdict, actor=None, reason="correction: " + "x" * 300)
    reason = verdict.history.latest().history_change_reason
    assert len(reason) == 100
    assert reason.startswith("correction: ")
