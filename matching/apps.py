from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Claim matching"

    def ready(self) -> None:
        from core import events
        from matching.services import suggestions_from_lookup, suggestions_refresh_later

        events.subscribe("lookup.succeeded", suggestions_from_lookup)
        events.subscribe("claim.created", suggestions_refresh_later)
        events.subscribe("claim.text_changed", suggestions_refresh_later)
