"""Celery queues by kind of work, so that slow work never holds back quick work: a long video's
hashing does not delay a lookup, a slow image host does not delay a webhook.

    light   webhooks, events, matching, beat's resume tasks (quick)
    lookup  reverse-image lookups and web requests' image searches (the workers hold the
            archive index, read as each worker process starts; web processes do not)
    fetch   media and import sources fetched from the web (slow hosts, time-outs)
    hash    hashing images and videos (CPU, minutes for a long video), embedding claims

Workers consume them in groups (./dev run, docker-compose.yml): light and lookup together, fetch
(with imports) and hash each on their own. A prefix keeps queues of several installations, or of
test workers, apart on one broker.
"""

LIGHT, LOOKUP, FETCH, HASH = "celery", "lookup", "fetch", "hash"
QUEUES = (LIGHT, LOOKUP, FETCH, HASH)

ROUTES = {
    "media.tasks.run_lookup": LOOKUP,
    "media.tasks.search_archive": LOOKUP,
    "media.tasks.fetch_media_item": FETCH,
    "imports.tasks.run_import_job": FETCH,
    "media.tasks.hash_media_item": HASH,
    # Embedding is CPU work of seconds a batch, like hashing.
    "retrieval.tasks.embed_claims": HASH,
    "retrieval.tasks.embed_pending": HASH,
}


def task_routes(prefix: str = "") -> dict[str, dict[str, str]]:
    return {task: {"queue": prefix + queue} for task, queue in ROUTES.items()}
