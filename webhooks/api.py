"""The webhooks API: consumers manage their own subscriptions and read their delivery logs.

`/api/v1/webhooks/` (list, create), `/api/v1/webhooks/{id}/` (read, PATCH with If-Match,
DELETE), `/api/v1/webhooks/{id}/deliveries/`. Any authenticated account may subscribe; another
account's subscription answers 404. The signing secret is in the creation response only.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.serializers import HttpUrlField, StrictSerializer
from core.api.views import ResourceViewSet
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.selectors import webhook_delivery_list, webhook_subscription_list
from webhooks.services import (
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
)

# Output


class WebhookSubscriptionOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "is_active", "created_at", "updated_at"]


class WebhookSubscriptionCreatedOutput(WebhookSubscriptionOutput):
    secret = serializers.CharField(
        help_text=(
            "Signs every delivery (header X-Factcheck-Signature). Store it now: it is not "
            "shown again."
        )
    )

    class Meta(WebhookSubscriptionOutput.Meta):
        fields = [*WebhookSubscriptionOutput.Meta.fields, "secret"]


class WebhookDeliveryOutput(serializers.ModelSerializer):
    last_error = serializers.CharField(source="error", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "payload",
            "created_at",
            "last_attempt_at",
            "delivered_at",
            "next_attempt_at",
        ]


# Input


class WebhookSubscriptionInput(StrictSerializer):
    url = HttpUrlField()
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False, min_length=1
    )


class WebhookSubscriptionUpdateInput(WebhookSubscriptionInput):
    url = HttpUrlField(required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        allow_empty=False,
        min_length=1,
        required=False,
    )
    is_active = serializers.BooleanField(required=False)


@extend_schema_view(
    retrieve=extend_schema(
        responses={
            200: WebhookSubscriptionOutput,
            304: OpenApiResponse(description="Not modified."),
        }
    ),
    create=extend_schema(
        request=WebhookSubscriptionInput, responses={201: WebhookSubscriptionCreatedOutput}
    ),
    partial_update=extend_schema(
        request=WebhookSubscriptionUpdateInput, responses={200: WebhookSubscriptionOutput}
    ),
    deliveries=extend_schema(responses={200: WebhookDeliveryOutput(many=True)}),
)
class WebhookSubscriptionViewSet(ResourceViewSet):
    """Your webhook subscriptions: a public http(s) URL that receives a POST when a verdict is
    published, corrected or retracted. Headers: `X-Factcheck-Event`; `X-Factcheck-Delivery`,
    the same on retries (drop duplicates); `X-Factcheck-Signature: t=<unix time>,v1=<hex
    HMAC-SHA256, keyed with the secret, of "<t>." and the raw body>` (refuse a `t` more than
    five minutes old). A delivery not answered with 2xx is retried with exponential backoff."""

    output_serializer = WebhookSubscriptionOutput
    # Consumers write here too: every account manages its own subscriptions, nobody else's.
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        return webhook_subscription_list(viewer=self.request.user)

    def create(self, request: Request) -> Response:
        data = self.validated(WebhookSubscriptionInput)
        subscription, secret = webhook_subscription_create(owner=request.user, **data)
        response = self.respond(subscription, status.HTTP_201_CREATED)
        # The one response that carries the secret.
        response.data["secret"] = secret
        return response

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            WebhookSubscriptionUpdateInput,
            lambda subscription, data: webhook_subscription_update(
                subscription=subscription, **data
            ),
        )

    def destroy(self, request: Request, pk: str) -> Response:
        return self.destroy_with(
            lambda subscription: webhook_subscription_delete(subscription=subscription)
        )

    # The log has its own fixed order, newest first: with no filter backends the cursor
    # paginator ignores `?ordering=`, which names the subscriptions' fields, not the log's.
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request: Request, pk: str) -> Response:
        """The subscription's deliveries, newest first: status, attempts, last error."""
        subscription = self.get_object()
        page = self.paginate_queryset(webhook_delivery_list(subscription=subscription))
        return self.get_paginated_response(WebhookDeliveryOutput(page, many=True).data)
