"""A worker's in-memory archive indexes drop what the database deleted once it is a good share of
what they hold: after a whole archive is hashed again (a new HASH_VERSION), they held every hash
and descriptor twice until the worker restarted."""

import pytest

from media import archive_index, verification
from media.models import ArchiveFeatures, ArchiveHash
from media.services import lookups
from tests.media.pictures import photo
from tests.media.test_verified_lookups import jpeg, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived():
    return [
        stored(jpeg(photo(name)), f"{name}.jpg", in_archive=True)
        for name in ("astronaut", "coffee", "rocket")
    ]


def test_an_archive_hashed_again_is_read_afresh_at_the_next_count(archived, monkeypatch):
    hashes, features = archive_index.archive_index(), archive_index.feature_index()
    assert len(hashes) == ArchiveHash.objects.count()
    for item in archived:
        lookups.media_item_hash(media_item_id=item.pk)
    # Searched within RECOUNT_SECONDS, the indexes add the new rows beside the old.
    assert len(archive_index.archive_index()) == 2 * ArchiveHash.objects.count()

    monkeypatch.setattr(archive_index, "RECOUNT_SECONDS", 0)
    assert len(archive_index.archive_index()) == ArchiveHash.objects.count()
    stored_bytes = sum(
        len(bytes(row)) for row in ArchiveFeatures.objects.values_list("descriptors", flat=True)
    )
    descriptors = stored_bytes // verification.DESCRIPTOR_BYTES
    assert len(archive_index.feature_index()) == descriptors
    assert archive_index.archive_index() is not hashes
    assert archive_index.feature_index() is not features


def test_an_index_is_read_afresh_only_once_it_lost_the_outgrown_share(archived, monkeypatch):
    index = archive_index.archive_index()
    archived[0].in_archive = False
    archived[0].save(update_fields=["in_archive"])
    lookups.archive_sync(media_item=archived[0])
    monkeypatch.setattr(archive_index, "RECOUNT_SECONDS", 0)
    # A third of its rows are gone.
    monkeypatch.setattr(archive_index, "OUTGROWN_SHARE", 0.5)
    assert archive_index.archive_index() is index
    monkeypatch.setattr(archive_index, "OUTGROWN_SHARE", 0.25)
    assert len(archive_index.archive_index()) == ArchiveHash.objects.count() < len(index)
