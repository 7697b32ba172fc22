from django.apps import AppConfig


class RetrievalConfig(AppConfig):
    name = "retrieval"
    verbose_name = "Claim retrieval"

    def ready(self) -> None:
        from core import events
        from retrieval.services import embed_claims_later, embed_verdicts_later

        events.subscribe("claim.created", embed_claims_later)
        events.subscribe("claim.text_changed", embed_claims_later)
        for name in ("verdict.published", "verdict.corrected", "verdict.retracted"):
            events.subscribe(name, embed_verdicts_later)
        events.subscribe("verdicts.published", embed_verdicts_later)
        events.subscribe("verdicts.updated", embed_verdicts_later)
