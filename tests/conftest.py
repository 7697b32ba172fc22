import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a per-test folder, never into the project's data folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
