from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Fact checks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Pillow's guard against decompression bombs, at our limit rather than its default.
        Image.MAX_IMAGE_PIXELS = settings.MEDIA_MAX_PIXELS
