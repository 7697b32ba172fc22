"""The benchmarks drop, create and truncate their databases: never the service's."""

import pytest

from bench.database import admin_url


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:5432/factcheck",
        "postgresql://postgres@localhost/factcheck_import_bench",
        "postgresql://postgres@db.example.org/factcheck_bench",
    ],
)
def test_a_database_not_named_as_a_benchmarks_or_not_local_is_refused(url):
    with pytest.raises(SystemExit):
        admin_url(url)


def test_a_benchmarks_own_database_is_administered_from_postgres():
    url = "postgresql://postgres@127.0.0.1:5432/factcheck_bench_video"
    assert admin_url(url) == "postgresql://postgres@127.0.0.1:5432/postgres"
