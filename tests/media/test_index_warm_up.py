"""A worker process that takes lookups reads its archive indexes as it starts, so that its first
lookup or web image search does not wait for them; a lookup asking meanwhile waits for the
warm-up instead of reading or training an index a second time."""

import threading
import time

import faiss
import pytest
from django.conf import settings as django_settings
from django.db import connections

from media import archive_index, hashing
from media.archive_index import FeatureIndex, feature_index, warm_process_indexes
from tests.media.pictures import photo
from tests.media.test_verified_lookups import jpeg, stored
from tests.workers import celery_worker


@pytest.fixture
def archived():
    return [
        stored(jpeg(photo(name, width=480)), f"{name}.jpg", in_archive=True)
        for name in ("astronaut", "chelsea", "coffee")
    ]


def hash_count(items) -> int:
    """How many archive hashes the items' frames hold."""
    return sum(
        len(hashing.split_hashes(bytes(frame.archive_hashes)))
        for item in items
        for frame in item.frames.all()
    )


@pytest.mark.django_db
def test_the_warm_up_reads_every_index_and_trains_the_feature_index(monkeypatch, archived):
    monkeypatch.setattr(FeatureIndex, "approximate_from", 100)
    warm_process_indexes()
    indexes = archive_index._process_indexes
    assert set(indexes) == {"hashes", "shared", "features"}
    assert len(indexes["hashes"]) == hash_count(archived)
    assert len(indexes["features"]) == 3 * 200
    assert isinstance(indexes["features"]._index, faiss.IndexBinaryIVF)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lookup_asking_during_the_warm_up_waits_for_its_training(monkeypatch, archived):
    """Training took 5-7 s at a million descriptors: two threads training at once spent it
    twice, and searched an index replaced under them."""
    monkeypatch.setattr(FeatureIndex, "approximate_from", 100)
    trainings = []
    train = FeatureIndex.train

    def slow_train(index):
        trainings.append(threading.current_thread().name)
        time.sleep(0.3)
        train(index)

    monkeypatch.setattr(FeatureIndex, "train", slow_train)
    found = {}

    def ask(name):
        try:
            found[name] = feature_index()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(name,), name=name) for name in ("warm", "lookup")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(trainings) == 1
    assert found["warm"] is found["lookup"]
    assert isinstance(found["lookup"]._index, faiss.IndexBinaryIVF)
    assert found["lookup"].votes(found["lookup"]._index.reconstruct_n(0, 1))
    assert len(trainings) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lookup_worker_reads_its_indexes_as_it_starts(archived):
    hashes = hash_count(archived)
    with celery_worker(env={"DJANGO_MEDIA_ROOT": str(django_settings.MEDIA_ROOT)}) as worker:
        deadline = time.monotonic() + 30
        while "archive indexes read" not in worker.log and time.monotonic() < deadline:
            time.sleep(0.05)
        assert f"archive indexes read: {hashes} hashes, 0 shared hashes, 600 feature" in worker.log
        assert "Task " not in worker.log
