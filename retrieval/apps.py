from django.apps import AppConfig


class RetrievalConfig(AppConfig):
    name = "retrieval"
    verbose_name = "Claim retrieval"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from core import events
        from retrieval.selectors import configure_hnsw_search
        from retrieval.services import embed_claims_later, embed_verdicts_later

        connection_created.connect(configure_hnsw_search)

        events.subscribe("claim.created", embed_claims_later)
        events.subscribe("claim.text_changed", embed_claims_later)
        for name in ("verdict.published", "verdict.corrected", "verdict.retracted"):
            events.subscribe(name, embed_verdicts_later)
        events.subscribe("verdicts.published", embed_verdicts_later)
        events.subscribe("verdicts.updated", embed_verdicts_later)
