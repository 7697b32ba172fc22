from django.apps import AppConfig


class MediaConfig(AppConfig):
    """Media items, hashing, the reference archive and reverse-image lookups. Imports core only."""

    name = "media"
    verbose_name = "Media and lookups"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Pillow's guard against decompression bombs, at our limit rather than its default.
        Image.MAX_IMAGE_PIXELS = settings.MEDIA_MAX_PIXELS
