"""Settings for the matching benchmark: bench.settings (rate limits that never refuse, quiet
logs) on its own database, `factcheck_bench_matching`, with the ILIKE baseline's URL."""

import os

os.environ.setdefault("BENCH_DATABASE", "factcheck_bench_matching")

from bench.settings import *  # noqa: F403

ROOT_URLCONF = "bench.matching.urls"
