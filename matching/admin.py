"""Suggestions in the newsroom admin: a list to triage with confirm and reject actions, and a
"Possible duplicates" panel on every claim's page (templates/admin/claims/claim/change_form.html)
whose buttons lead to a confirmation page. Decisions go through `matching.services`; the rows
themselves are never edited by hand."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.exceptions import ApplicationError
from matching.models import ClaimSuggestion
from matching.services import suggestion_confirm, suggestion_reject

DECISIONS = {
    "confirm": (
        suggestion_confirm,
        "Confirm: the same claim",
        "The claim will be marked as repeating the suggested claim (duplicate_of).",
    ),
    "reject": (
        suggestion_reject,
        "Reject: a different claim",
        "The pair will not be suggested again.",
    ),
}


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


@admin.register(ClaimSuggestion)
class ClaimSuggestionAdmin(admin.ModelAdmin):
    list_display = [
        "claim",
        "suggested",
        "score",
        "is_strong",
        "status",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "is_strong"]
    list_select_related = ["claim", "suggested", "decided_by"]
    search_fields = ["claim__text", "suggested__text"]
    readonly_fields = [
        "claim",
        "suggested",
        "score",
        "text_score",
        "media_score",
        "is_strong",
        "reasons",
        "status",
        "decided_by",
        "decided_at",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields
    actions = ["confirm_selected", "reject_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Change permission is what deciding needs; a suggestion's page itself stays read-only.
        return obj is None and super().has_change_permission(request)

    def get_urls(self):
        decide = path(
            "<int:object_id>/decide/<str:decision>/",
            self.admin_site.admin_view(self.decide_view),
            name="matching_claimsuggestion_decide",
        )
        return [decide, *super().get_urls()]

    def decide_view(self, request: HttpRequest, object_id: int, decision: str) -> HttpResponse:
        """GET asks for confirmation; POST decides and goes back to the claim's page."""
        if decision not in DECISIONS:
            raise Http404("No such decision.")
        if not self.has_change_permission(request):
            raise PermissionDenied
        suggestion = self.get_object(request, str(object_id))
        if suggestion is None:
            raise Http404("No such suggestion.")
        service, title, explanation = DECISIONS[decision]
        claim_url = reverse("admin:claims_claim_change", args=[suggestion.claim_id])
        if request.method == "POST":
            try:
                service(suggestion=suggestion, actor=request.user)
            except (ApplicationError, ValidationError) as error:
                self.message_user(request, f"Not done: {_error_text(error)}", messages.ERROR)
            else:
                self.message_user(request, f"{title}: done.", messages.SUCCESS)
            return HttpResponseRedirect(claim_url)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "suggestion": suggestion,
            "claim_url": claim_url,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/matching/claimsuggestion/decide.html", context)

    def _decide_selected(self, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
        service, title, _ = DECISIONS[decision]
        done = 0
        for suggestion in queryset:
            try:
                service(suggestion=suggestion, actor=request.user)
                done += 1
            except (ApplicationError, ValidationError) as error:
                self.message_user(request, f"{suggestion}: {_error_text(error)}", messages.WARNING)
        self.message_user(request, f"{title}: {done} suggestions.")

    @admin.action(description="Confirm selected: the same claim", permissions=["change"])
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide_selected(request, queryset, "confirm")

    @admin.action(description="Reject selected: different claims", permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide_selected(request, queryset, "reject")
