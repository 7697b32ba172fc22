from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from core.models import ApiKey
from core.services.api_keys import api_key_create, api_key_revoke


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name", "owner", "rate_limit"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Staff create keys for consumers; the key is shown once, then only its prefix."""

    form = ApiKeyForm
    list_display = [
        "name",
        "owner",
        "prefix",
        "rate_limit",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "owner__username"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None):
        if obj is not None:
            return ["name", "owner", *self.readonly_fields]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            obj.save(update_fields=["rate_limit"])
            return
        api_key, raw_key = api_key_create(
            owner=form.cleaned_data["owner"],
            name=form.cleaned_data["name"],
            rate_limit=form.cleaned_data["rate_limit"],
            created_by=request.user,
        )
        obj.pk = api_key.pk
        obj._state.adding = False
        self.message_user(
            request,
            f"Key for {api_key.owner}: {raw_key} (copy it now: it is not stored and will not "
            "be shown again).",
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset) -> None:
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} keys.")
