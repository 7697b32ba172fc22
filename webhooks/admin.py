"""Staff's view of webhooks: subscriptions (written through the services, secrets never shown
after creation) and the delivery log, with redelivery."""

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from claims.admin import ServiceAdminMixin
from core.exceptions import InvalidTransition
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.services import (
    webhook_delivery_redeliver,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
)


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["owner", "url", "events", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Consumers usually subscribe through the API; staff may do it for them. The secret is
    shown once, when staff create the subscription."""

    form = WebhookSubscriptionForm
    list_display = ["url", "owner", "events", "is_active", "created_at", "updated_at"]
    list_filter = ["is_active"]
    list_select_related = ["owner"]
    search_fields = ["url", "owner__username"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: WebhookSubscription | None = None):
        if obj is not None:
            return ["owner", *self.readonly_fields]
        return self.readonly_fields

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            self._adopt(obj, webhook_subscription_update(subscription=obj, **changes))
            return
        subscription, secret = webhook_subscription_create(
            owner=form.cleaned_data["owner"],
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
        )
        self._adopt(obj, subscription)
        self.message_user(
            request,
            f"Signing secret for {subscription.url}: {secret} (hand it to the consumer now: it "
            "will not be shown again).",
            messages.WARNING,
        )

    def delete_model(self, request: HttpRequest, obj: WebhookSubscription) -> None:
        webhook_subscription_delete(subscription=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for subscription in queryset:
            webhook_subscription_delete(subscription=subscription)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only, except for sending a finished delivery again."""

    list_display = [
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "last_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event"]
    list_select_related = ["subscription__owner"]
    search_fields = ["=event_id", "subscription__url", "subscription__owner__username"]
    date_hierarchy = "created_at"
    fields = [
        "subscription",
        "event",
        "event_id",
        "status",
        "attempts",
        "last_status_code",
        "error",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
        "payload_json",
    ]
    readonly_fields = fields
    actions = ["redeliver"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: WebhookDelivery | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: WebhookDelivery | None = None
    ) -> bool:
        return False

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.change_webhookdelivery")

    @admin.display(description="Payload")
    def payload_json(self, delivery: WebhookDelivery) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(delivery.payload, indent=2, ensure_ascii=False)
        )

    @admin.action(description="Redeliver the selected deliveries", permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        queued, refused = 0, []
        for delivery in queryset:
            try:
                webhook_delivery_redeliver(delivery=delivery)
            except InvalidTransition as error:
                refused.append(f"#{delivery.pk}: {error.message}")
            else:
                queued += 1
        if queued:
            noun = "delivery" if queued == 1 else "deliveries"
            self.message_user(request, f"Queued {queued} {noun} to be sent again.")
        if refused:
            self.message_user(request, f"Not redelivered: {'; '.join(refused)}", messages.WARNING)
