"""Webhook routes, included by `factcheck/api_urls.py` under `/api/v1/` and its `api` namespace (no
namespace of their own: the names are `api:webhook-list`, `api:webhook-deliveries`, ...)."""

from rest_framework.routers import SimpleRouter

from webhooks.api import WebhookSubscriptionViewSet

router = SimpleRouter(trailing_slash=True)
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = router.urls
