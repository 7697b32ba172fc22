from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from core.api.keys import api_keys_visible_to
from core.exceptions import ApplicationError
from core.models import ApiKey
from core.roles import NEWSROOM_ROLES, is_editor
from core.services.api_keys import (
    api_key_create,
    api_key_issue,
    api_key_revoke_as,
    may_hold_keys,
)


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name", "owner", "rate_limit"]


def _manages_all_keys(request: HttpRequest) -> bool:
    """Superusers (and staff given the model permissions) manage every key; everyone else in
    the newsroom manages their own, and editors the consumer keys they issue."""
    return request.user.is_superuser or request.user.has_perm("core.change_apikey")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are shown once, when created, then only by prefix. Newsroom members create their
    own here (or in the desk, or with POST /api/v1/keys/); editors also issue consumer keys."""

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

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or may_hold_keys(request.user)

    def has_view_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return super().has_view_permission(request, obj) or may_hold_keys(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) or may_hold_keys(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        if _manages_all_keys(request):
            return super().get_queryset(request)
        return api_keys_visible_to(request.user)

    def get_autocomplete_fields(self, request: HttpRequest):
        # The user search behind autocomplete is for those who manage accounts.
        return self.autocomplete_fields if _manages_all_keys(request) else []

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "owner" and not _manages_all_keys(request):
            owners = Q(pk=request.user.pk)
            if is_editor(request.user):
                owners |= Q(is_staff=False, is_superuser=False) & ~Q(
                    groups__name__in=NEWSROOM_ROLES
                )
            kwargs["queryset"] = get_user_model().objects.filter(owners).distinct()
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None):
        if obj is not None:
            return ["name", "owner", *self.readonly_fields]
        return []

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            obj.save(update_fields=["rate_limit"])
            return
        fields = {
            "owner": form.cleaned_data["owner"],
            "name": form.cleaned_data["name"],
            "rate_limit": form.cleaned_data["rate_limit"],
        }
        if _manages_all_keys(request):
            api_key, raw_key = api_key_create(created_by=request.user, **fields)
        else:
            api_key, raw_key = api_key_issue(issuer=request.user, **fields)
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
        revoked = 0
        for api_key in queryset:
            try:
                api_key_revoke_as(api_key=api_key, actor=request.user)
                revoked += 1
            except ApplicationError as error:
                self.message_user(request, f"{api_key}: {error.message}", messages.WARNING)
        self.message_user(request, f"Revoked {revoked} keys.")
