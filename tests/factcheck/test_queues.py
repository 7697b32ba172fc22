"""Lookups never wait behind hashing or slow fetches: each kind of work has its queue, and the
workers of ./dev run and docker-compose.yml consume them in separate processes."""

import re

from django.conf import settings

from factcheck import queues


def _queue_groups(text: str) -> list[set[str]]:
    groups = re.findall(r'--queues"?,?\s*"?([a-z,]+)', text)
    return [set(group.split(",")) for group in groups]


def test_each_kind_of_media_work_has_its_queue():
    routes = queues.ROUTES
    assert routes["media.tasks.run_lookup"] == queues.LOOKUP
    assert routes["media.tasks.search_archive"] == queues.LOOKUP
    assert routes["media.tasks.hash_media_item"] == queues.HASH
    assert routes["media.tasks.fetch_media_item"] == queues.FETCH


def test_lookups_are_consumed_apart_from_hashing_and_fetches():
    for name in ("dev", "docker-compose.yml"):
        groups = _queue_groups((settings.BASE_DIR / name).read_text())
        assert set().union(*groups) == set(queues.QUEUES), name
        [lookup_group] = [group for group in groups if queues.LOOKUP in group]
        assert not lookup_group & {queues.HASH, queues.FETCH}, name
