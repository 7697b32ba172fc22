"""Which external engines are on: those whose API key is set."""

from media.integrations.reverse_image._common import HttpProvider
from media.integrations.reverse_image.base import Provider
from media.integrations.reverse_image.factcheck_image_search import FactCheckImageSearchProvider
from media.integrations.reverse_image.google_vision import GoogleVisionProvider
from media.integrations.reverse_image.tineye import TinEyeProvider

# Each engine with the settings that hold its key and an optional base URL (a proxy, or a fake
# server in a staging environment).
_ENGINES: tuple[tuple[type[HttpProvider], str, str], ...] = (
    (
        GoogleVisionProvider,
        "REVERSE_IMAGE_GOOGLE_VISION_KEY",
        "REVERSE_IMAGE_GOOGLE_VISION_BASE_URL",
    ),
    (TinEyeProvider, "REVERSE_IMAGE_TINEYE_KEY", "REVERSE_IMAGE_TINEYE_BASE_URL"),
    (FactCheckImageSearchProvider, "FACTCHECK_TOOLS_API_KEY", "FACTCHECK_TOOLS_BASE_URL"),
)


def configured_providers(settings: object) -> list[Provider]:
    """The engines that have an API key in `settings` (Django's, or any object with these
    attributes), ready to search. Every key is empty by default, so by default the list is
    empty and no image leaves this service."""
    providers: list[Provider] = []
    for engine, key_setting, url_setting in _ENGINES:
        api_key = getattr(settings, key_setting, "")
        if api_key:
            base_url = getattr(settings, url_setting, "") or None
            providers.append(engine(api_key=api_key, base_url=base_url))
    return providers
