"""Settings for the API benchmark: the project's settings, the benchmark's URLs (the API plus a
hand-built baseline view) and rate limits high enough that throttling never caps the load.

Everything else (database, cache, broker) comes from the environment as in production;
`bench/run.sh` sets DATABASE_URL to the dedicated `factcheck_bench` database (bench/database.py)
and CACHE_URL to Redis. The defaults below only apply when this module is used without run.sh
(for example `python -m bench.seed`).
"""

import os

from bench.database import database_url

os.environ["DATABASE_URL"] = database_url(os.environ.get("BENCH_DATABASE", "factcheck_bench"))
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")

from factcheck.settings import *  # noqa: F403
from factcheck.settings import API_RATE_LIMITS as _PROJECT_RATE_LIMITS

ROOT_URLCONF = "bench.urls"

# Throttling still runs (its cache round trips are part of what is measured); it never refuses.
BENCH_RATE = os.environ.get("BENCH_API_RATE", "1000000/min")
API_RATE_LIMITS = {role: BENCH_RATE for role in _PROJECT_RATE_LIMITS}

# One access-log line per request would be measured too; keep the log to warnings and errors.
LOGGING["root"]["level"] = os.environ.get("DJANGO_LOG_LEVEL", "WARNING")  # noqa: F405
