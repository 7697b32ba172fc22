from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Fact checks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from claims.services.common import claims_touch_for_media
        from core import events

        events.subscribe("media_item.changed", claims_touch_for_media)
