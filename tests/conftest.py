import pytest

from media.archive_index import reset_archive_index


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Uploads go to a per-test folder, never into the project's data folder; the cache is the
    test's own; static files are served unhashed, so tests need no collectstatic."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _archive_searched_in_process(settings):
    """Web requests' image searches run in the test process: tests with a worker
    (tests/workers.py) turn ARCHIVE_SEARCH_BY_WORKER back on."""
    settings.ARCHIVE_SEARCH_BY_WORKER = False


@pytest.fixture(autouse=True)
def _fresh_archive_index():
    """Each test's database starts again from empty ids: the process's archive indexes must too,
    or a test would find another test's hashes under its own rows' ids."""
    reset_archive_index()
    yield
    reset_archive_index()
