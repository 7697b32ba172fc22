from types import SimpleNamespace

from media.integrations.reverse_image.factcheck_image_search import FactCheckImageSearchProvider
from media.integrations.reverse_image.google_vision import GoogleVisionProvider
from media.integrations.reverse_image.registry import configured_providers
from media.integrations.reverse_image.tineye import TinEyeProvider

KEY_SETTINGS = (
    "REVERSE_IMAGE_GOOGLE_VISION_KEY",
    "REVERSE_IMAGE_TINEYE_KEY",
    "FACTCHECK_TOOLS_API_KEY",
)


def test_no_engine_is_on_without_keys(settings):
    for name in KEY_SETTINGS:
        if hasattr(settings, name):
            delattr(settings, name)

    assert configured_providers(settings) == []


def test_empty_keys_leave_the_engines_off(settings):
    for name in KEY_SETTINGS:
        setattr(settings, name, "")

    assert configured_providers(settings) == []


def test_only_engines_with_a_key_are_on(settings):
    settings.REVERSE_IMAGE_GOOGLE_VISION_KEY = ""
    settings.REVERSE_IMAGE_TINEYE_KEY = "tineye-key"
    settings.FACTCHECK_TOOLS_API_KEY = ""

    [provider] = configured_providers(settings)

    assert isinstance(provider, TinEyeProvider)
    assert provider.is_configured()
    assert provider.api_key == "tineye-key"
    assert provider.base_url == "https://api.tineye.com"


def test_every_engine_with_its_real_endpoint_or_an_override():
    settings = SimpleNamespace(
        REVERSE_IMAGE_GOOGLE_VISION_KEY="vision-key",
        REVERSE_IMAGE_GOOGLE_VISION_BASE_URL="http://127.0.0.1:9001/",
        REVERSE_IMAGE_TINEYE_KEY="tineye-key",
        REVERSE_IMAGE_TINEYE_BASE_URL="",
        FACTCHECK_TOOLS_API_KEY="factcheck-key",
    )

    vision, tineye, factcheck = configured_providers(settings)

    assert isinstance(vision, GoogleVisionProvider)
    assert vision.base_url == "http://127.0.0.1:9001"
    assert isinstance(tineye, TinEyeProvider)
    assert tineye.base_url == "https://api.tineye.com"
    assert isinstance(factcheck, FactCheckImageSearchProvider)
    assert factcheck.base_url == "https://factchecktools.googleapis.com"
    assert [p.name for p in (vision, tineye, factcheck)] == [
        "google_vision",
        "tineye",
        "factcheck_image_search",
    ]
