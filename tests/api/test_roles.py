"""The role matrix: every role against every endpoint and method.

Outsiders (anonymous, API consumers) read published work only: what they may not read answers
404, what they may read but not change answers 403. Fact-checkers write claims, appearances,
media, evidence and draft verdicts; editors also keep reference data and delete drafts.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import ROLES, client_for, unused_claim
from tests.factories import jpeg_bytes


def expect(outsider: int, checker: int, chief: int | None = None) -> dict[str, int]:
    return {
        "anonymous": outsider,
        "consumer": outsider,
        "fact-checker": checker,
        "editor": checker if chief is None else chief,
    }


def upload():
    return {"file": SimpleUploadedFile("new.jpg", jpeg_bytes((30, 20), (1, 2, 3)), "image/jpeg")}


# (label, method, path(world), body(world) or None, expected statuses per role)
MATRIX = [
    ("claims list", "get", lambda w: "/api/v1/claims/", None, expect(200, 200)),
    (
        "claim public",
        "get",
        lambda w: f"/api/v1/claims/{w.public_claim.pk}/",
        None,
        expect(200, 200),
    ),
    ("claim draft", "get", lambda w: f"/api/v1/claims/{w.draft_claim.pk}/", None, expect(404, 200)),
    (
        "claim create",
        "post",
        lambda w: "/api/v1/claims/",
        lambda w: {"text": "New claim", "language": "en"},
        expect(403, 201),
    ),
    (
        "claim edit public",
        "patch",
        lambda w: f"/api/v1/claims/{w.public_claim.pk}/",
        lambda w: {"status": "checked"},
        expect(403, 200),
    ),
    (
        "claim edit reviewed text of public",
        "patch",
        lambda w: f"/api/v1/claims/{w.public_claim.pk}/",
        lambda w: {"claimant": "X"},
        expect(403, 409),
    ),
    (
        "claim edit draft",
        "patch",
        lambda w: f"/api/v1/claims/{w.draft_claim.pk}/",
        lambda w: {"claimant": "X"},
        expect(404, 200),
    ),
    (
        "claim delete with verdict",
        "delete",
        lambda w: f"/api/v1/claims/{w.public_claim.pk}/",
        None,
        expect(403, 409),
    ),
    (
        "claim delete draft unused",
        "delete",
        lambda w: f"/api/v1/claims/{unused_claim().pk}/",
        None,
        expect(404, 204),
    ),
    (
        "claim add appearance",
        "post",
        lambda w: f"/api/v1/claims/{w.public_claim.pk}/appearances/",
        lambda w: {"url": "https://t.me/c/1"},
        expect(403, 201),
    ),
    (
        "claim add appearance draft",
        "post",
        lambda w: f"/api/v1/claims/{w.draft_claim.pk}/appearances/",
        lambda w: {"url": "https://t.me/c/1"},
        expect(404, 201),
    ),
    (
        "claim add evidence",
        "post",
        lambda w: f"/api/v1/claims/{w.public_claim.pk}/evidence/",
        lambda w: {"kind": "document", "relation": "refutes", "title": "Record"},
        # A published fact-check never changes silently.
        expect(403, 409),
    ),
    (
        "claim add evidence with a correction",
        "post",
        lambda w: f"/api/v1/claims/{w.public_claim.pk}/evidence/",
        lambda w: {
            "kind": "document",
            "relation": "refutes",
            "title": "Record",
            "correction_note": "Added the ministry's record.",
        },
        expect(403, 403, 201),
    ),
    (
        "claim add private evidence",
        "post",
        lambda w: f"/api/v1/claims/{w.public_claim.pk}/evidence/",
        lambda w: {"kind": "expert", "relation": "context", "title": "Call", "is_public": False},
        expect(403, 201),
    ),
    ("appearances list", "get", lambda w: "/api/v1/appearances/", None, expect(200, 200)),
    (
        "appearance public",
        "get",
        lambda w: f"/api/v1/appearances/{w.public_appearance.pk}/",
        None,
        expect(200, 200),
    ),
    (
        "appearance draft",
        "get",
        lambda w: f"/api/v1/appearances/{w.draft_appearance.pk}/",
        None,
        expect(404, 200),
    ),
    (
        "appearance create",
        "post",
        lambda w: "/api/v1/appearances/",
        lambda w: {"claim": w.draft_claim.pk, "url": "https://x.com/a/1"},
        expect(403, 201),
    ),
    (
        "appearance edit public",
        "patch",
        lambda w: f"/api/v1/appearances/{w.public_appearance.pk}/",
        lambda w: {"author_handle": "@a"},
        expect(403, 409),
    ),
    (
        "appearance edit public with a correction",
        "patch",
        lambda w: f"/api/v1/appearances/{w.public_appearance.pk}/",
        lambda w: {"author_handle": "@a", "correction_note": "The handle was misspelt."},
        expect(403, 403, 200),
    ),
    (
        "appearance edit draft",
        "patch",
        lambda w: f"/api/v1/appearances/{w.draft_appearance.pk}/",
        lambda w: {"author_handle": "@a"},
        expect(404, 200),
    ),
    (
        "appearance delete public",
        "delete",
        lambda w: f"/api/v1/appearances/{w.public_appearance.pk}/",
        None,
        expect(403, 409),
    ),
    (
        "appearance delete draft",
        "delete",
        lambda w: f"/api/v1/appearances/{w.draft_appearance.pk}/",
        None,
        expect(404, 204),
    ),
    ("evidence list", "get", lambda w: "/api/v1/evidence/", None, expect(200, 200)),
    (
        "evidence public",
        "get",
        lambda w: f"/api/v1/evidence/{w.public_evidence.pk}/",
        None,
        expect(200, 200),
    ),
    (
        "evidence private",
        "get",
        lambda w: f"/api/v1/evidence/{w.private_evidence_on_public_claim.pk}/",
        None,
        expect(404, 200),
    ),
    (
        "evidence draft",
        "get",
        lambda w: f"/api/v1/evidence/{w.draft_evidence.pk}/",
        None,
        expect(404, 200),
    ),
    (
        "evidence create",
        "post",
        lambda w: "/api/v1/evidence/",
        lambda w: {
            "claim": w.draft_claim.pk,
            "kind": "expert",
            "relation": "context",
            "title": "Interview",
        },
        expect(403, 201),
    ),
    (
        "evidence edit public",
        "patch",
        lambda w: f"/api/v1/evidence/{w.public_evidence.pk}/",
        lambda w: {"note": "n"},
        expect(403, 409),
    ),
    (
        "evidence edit private on public",
        "patch",
        lambda w: f"/api/v1/evidence/{w.private_evidence_on_public_claim.pk}/",
        lambda w: {"note": "n"},
        expect(404, 200),
    ),
    (
        "evidence edit draft",
        "patch",
        lambda w: f"/api/v1/evidence/{w.draft_evidence.pk}/",
        lambda w: {"note": "n"},
        expect(404, 200),
    ),
    (
        "evidence delete public",
        "delete",
        lambda w: f"/api/v1/evidence/{w.public_evidence.pk}/",
        None,
        expect(403, 409),
    ),
    (
        "evidence delete public with a correction",
        "delete",
        lambda w: f"/api/v1/evidence/{w.public_evidence.pk}/",
        lambda w: {"correction_note": "The record was withdrawn by the ministry."},
        expect(403, 403, 204),
    ),
    (
        "evidence delete draft",
        "delete",
        lambda w: f"/api/v1/evidence/{w.draft_evidence.pk}/",
        None,
        expect(404, 204),
    ),
    ("verdicts list", "get", lambda w: "/api/v1/verdicts/", None, expect(200, 200)),
    (
        "verdict public",
        "get",
        lambda w: f"/api/v1/verdicts/{w.public_verdict.pk}/",
        None,
        expect(200, 200),
    ),
    (
        "verdict draft",
        "get",
        lambda w: f"/api/v1/verdicts/{w.draft_verdict.pk}/",
        None,
        expect(404, 200),
    ),
    (
        "verdict create",
        "post",
        lambda w: "/api/v1/verdicts/",
        lambda w: {"claim": unused_claim().pk, "rating_scale": w.rating_scale.pk},
        expect(403, 201),
    ),
    (
        "verdict edit published",
        "patch",
        lambda w: f"/api/v1/verdicts/{w.public_verdict.pk}/",
        lambda w: {"headline": "Quiet change"},
        expect(403, 409),
    ),
    (
        "verdict edit draft",
        "patch",
        lambda w: f"/api/v1/verdicts/{w.draft_verdict.pk}/",
        lambda w: {"headline": "Better"},
        expect(404, 200),
    ),
    (
        "verdict delete draft",
        "delete",
        lambda w: f"/api/v1/verdicts/{w.draft_verdict.pk}/",
        None,
        expect(404, 403, 204),
    ),
    (
        "verdict delete published",
        "delete",
        lambda w: f"/api/v1/verdicts/{w.public_verdict.pk}/",
        None,
        expect(403, 403, 409),
    ),
    ("media list", "get", lambda w: "/api/v1/media/", None, expect(200, 200)),
    (
        "media public",
        "get",
        lambda w: f"/api/v1/media/{w.public_media.pk}/",
        None,
        expect(200, 200),
    ),
    ("media draft", "get", lambda w: f"/api/v1/media/{w.draft_media.pk}/", None, expect(404, 200)),
    ("media upload", "post", lambda w: "/api/v1/media/", lambda w: upload(), expect(403, 201)),
    (
        "media from url",
        "post",
        lambda w: "/api/v1/media/",
        lambda w: {"url": "https://media.example.org/funeral.jpg"},
        expect(403, 202),
    ),
    (
        "media edit public",
        "patch",
        lambda w: f"/api/v1/media/{w.public_media.pk}/",
        lambda w: {"caption": "c"},
        expect(403, 200),
    ),
    (
        "media edit draft",
        "patch",
        lambda w: f"/api/v1/media/{w.draft_media.pk}/",
        lambda w: {"caption": "c"},
        expect(404, 200),
    ),
    (
        "media delete",
        "delete",
        lambda w: f"/api/v1/media/{w.public_media.pk}/",
        None,
        expect(405, 405),
    ),
    ("lookups list", "get", lambda w: "/api/v1/lookups/", None, expect(200, 200)),
    ("lookup", "get", lambda w: f"/api/v1/lookups/{w.lookup.pk}/", None, expect(404, 200)),
    ("lookup create", "post", lambda w: "/api/v1/lookups/", lambda w: {}, expect(405, 405)),
    (
        "lookup request public media",
        "post",
        lambda w: f"/api/v1/media/{w.public_media.pk}/lookups/",
        lambda w: {},
        expect(403, 202),
    ),
    (
        "lookup request draft media",
        "post",
        lambda w: f"/api/v1/media/{w.draft_media.pk}/lookups/",
        lambda w: {"provider": "archive"},
        expect(404, 202),
    ),
    (
        "lookup match to evidence",
        "post",
        lambda w: f"/api/v1/lookups/{w.lookup.pk}/matches/{w.lookup_match.pk}/evidence/",
        lambda w: {},
        expect(404, 201),
    ),
    ("topics list", "get", lambda w: "/api/v1/topics/", None, expect(200, 200)),
    ("topic", "get", lambda w: f"/api/v1/topics/{w.topic.pk}/", None, expect(200, 200)),
    (
        "topic create",
        "post",
        lambda w: "/api/v1/topics/",
        lambda w: {"name": "Floods", "slug": "floods"},
        expect(403, 201),
    ),
    (
        "topic edit",
        "patch",
        lambda w: f"/api/v1/topics/{w.topic.pk}/",
        lambda w: {"name": "Renamed"},
        expect(403, 403, 200),
    ),
    (
        "topic delete",
        "delete",
        lambda w: f"/api/v1/topics/{w.topic.pk}/",
        None,
        expect(403, 403, 204),
    ),
    ("publishers list", "get", lambda w: "/api/v1/publishers/", None, expect(200, 200)),
    ("publisher", "get", lambda w: f"/api/v1/publishers/{w.publisher.pk}/", None, expect(200, 200)),
    (
        "publisher create",
        "post",
        lambda w: "/api/v1/publishers/",
        lambda w: {"name": "AFP", "site": "factcheck.afp.com"},
        expect(403, 403, 201),
    ),
    (
        "publisher edit",
        "patch",
        lambda w: f"/api/v1/publishers/{w.publisher.pk}/",
        lambda w: {"name": "Renamed"},
        expect(403, 403, 200),
    ),
    (
        "publisher delete",
        "delete",
        lambda w: f"/api/v1/publishers/{w.publisher.pk}/",
        None,
        expect(405, 405),
    ),
    ("rating scales list", "get", lambda w: "/api/v1/rating-scales/", None, expect(200, 200)),
    (
        "rating scale",
        "get",
        lambda w: f"/api/v1/rating-scales/{w.rating_scale.pk}/",
        None,
        expect(200, 200),
    ),
    (
        "rating scale create",
        "post",
        lambda w: "/api/v1/rating-scales/",
        lambda w: {
            "name": "Two-step",
            "best_value": 1,
            "worst_value": 0,
            "ratings": [{"label": "Yes", "value": 1}, {"label": "No", "value": 0}],
        },
        expect(403, 403, 201),
    ),
    (
        "rating scale edit",
        "patch",
        lambda w: f"/api/v1/rating-scales/{w.rating_scale.pk}/",
        lambda w: {"description": "d"},
        expect(403, 403, 200),
    ),
    ("me", "get", lambda w: "/api/v1/me/", None, expect(200, 200)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [pytest.param(m, p, b, e, id=label) for label, m, p, b, e in MATRIX],
)
def test_role_matrix(world, role, method, path, body, expected):
    client = client_for(role)
    data = body(world) if body else None
    is_upload = isinstance(data, dict) and "file" in data
    kwargs = {"format": "multipart" if is_upload else "json"}
    if method == "patch":
        kwargs["HTTP_IF_MATCH"] = "*"

    response = getattr(client, method)(path(world), data, **kwargs)

    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "details"}
