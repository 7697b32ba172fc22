"""The newsroom admin. Every write of claims, appearances, media, evidence and verdicts goes
through `claims.services`, so that the admin obeys the same rules and leaves the same history as
the API. Reference data (topics, publishers, rating scales) is plain CRUD."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims.models import (
    Appearance,
    Claim,
    ClaimMedia,
    Correction,
    Evidence,
    Publisher,
    Rating,
    RatingScale,
    RatingSynonym,
    Topic,
    Verdict,
)
from claims.ratings import normalize_textual
from claims.selectors.claims import PUBLIC_VERDICT_STATUSES, claim_search_admin
from claims.services.claims import (
    appearance_add,
    appearance_remove,
    appearance_update,
    claim_create,
    claim_media_attach,
    claim_media_detach,
    claim_update,
)
from claims.services.evidence import (
    evidence_add,
    evidence_from_match,
    evidence_remove,
    evidence_update,
)
from claims.services.verdicts import (
    EDITABLE_STATUSES,
    verdict_create_draft,
    verdict_delete_draft,
    verdict_update_draft,
)
from claims.services.workflow import (
    publication_problems,
    verdict_correct,
    verdict_publish,
    verdict_retract,
    verdict_return,
    verdict_submit,
)
from core.exceptions import ApplicationError
from core.roles import is_editor
from media.models import LookupJob, LookupMatch, MediaItem
from media.services.lookups import earliest_match, lookup_request
from media.services.media import media_item_create, media_item_update, media_probe


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


class ServiceAdminMixin:
    """Shows a domain error raised by a service as a message on the form's page.

    The admin's change view runs in a transaction; the error propagates out of it, so nothing of
    the failed save is kept.
    """

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url="", extra_context=None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ApplicationError, ValidationError) as error:
            self.message_user(request, f"Not saved: {_error_text(error)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _adopt(self, obj: Model, saved: Model) -> None:
        # The admin goes on with the instance it built from the form (inlines, log entry,
        # redirect); point it at the row the service wrote.
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db


def _read_only_formsets_saved(formsets) -> None:
    """Read-only inlines save nothing; the admin's change message still reads these."""
    for formset in formsets:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@dataclass(frozen=True)
class InlineServices:
    """How an inline's rows are written: which services add, change and remove them."""

    add: Callable[..., Model]
    update: Callable[..., Model] | None
    remove: Callable[..., None]


def _save_inline_formset(
    request: HttpRequest, claim: Claim, formset: BaseInlineFormSet, services: InlineServices
) -> None:
    """Write an inline formset through services, filling in what the admin's change message
    reads (`new_objects`, `changed_objects`, `deleted_objects`) as `formset.save()` would."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    fields = [name for name in formset.form.base_fields if name not in ("DELETE", "id", "claim")]
    for form in formset.deleted_forms:
        if form.instance.pk:
            services.remove(form.instance, request.user)
            formset.deleted_objects.append(form.instance)
    for form in formset.initial_forms:
        if form in formset.deleted_forms or not form.has_changed():
            continue
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in fields}
        if services.update is None:
            raise ApplicationError("These rows cannot be changed, only added or removed.")
        formset.changed_objects.append(
            (services.update(form.instance, request.user, changes), list(changes))
        )
    for form in formset.extra_forms:
        if not form.has_changed() or form in formset.deleted_forms:
            continue
        values = {name: form.cleaned_data.get(name) for name in fields}
        formset.new_objects.append(services.add(claim, request.user, values))


APPEARANCE_SERVICES = InlineServices(
    add=lambda claim, actor, values: appearance_add(
        claim=claim, actor=actor, **{**values, "is_first": values.get("is_first") or None}
    ),
    update=lambda appearance, actor, changes: appearance_update(
        appearance=appearance, actor=actor, **changes
    ),
    remove=lambda appearance, actor: appearance_remove(appearance=appearance, actor=actor),
)
EVIDENCE_SERVICES = InlineServices(
    add=lambda claim, actor, values: evidence_add(claim=claim, actor=actor, **values),
    update=lambda evidence, actor, changes: evidence_update(
        evidence=evidence, actor=actor, **changes
    ),
    remove=lambda evidence, actor: evidence_remove(evidence=evidence, actor=actor),
)
CLAIM_MEDIA_SERVICES = InlineServices(
    add=lambda claim, actor, values: claim_media_attach(claim=claim, actor=actor, **values),
    update=lambda link, actor, changes: claim_media_attach(
        claim=link.claim, media_item=link.media_item, actor=actor, note=changes.get("note", "")
    ),
    remove=lambda link, actor: claim_media_detach(claim=link.claim, media_item=link.media_item),
)


class AppearanceInline(admin.TabularInline):
    model = Appearance
    extra = 1
    fields = ["url", "platform", "posted_at", "author_handle", "archived_url", "is_first"]


class ClaimMediaInline(admin.TabularInline):
    model = ClaimMedia
    extra = 0
    fields = ["media_item", "preview", "note"]
    readonly_fields = ["preview"]
    autocomplete_fields = ["media_item"]
    verbose_name = "media item"
    verbose_name_plural = "media carried by the claim"

    @admin.display(description="preview")
    def preview(self, link: ClaimMedia) -> str:
        return _media_preview(link.media_item) if link.pk else "-"


class EvidenceInline(admin.StackedInline):
    model = Evidence
    extra = 0
    # Folded: each piece takes a screenful open, and the claim page ran to 4,500 px.
    classes = ["collapse"]
    fields = [
        ("kind", "relation", "is_public"),
        "title",
        ("url", "archived_url"),
        ("source_date", "media_item"),
        "note",
    ]
    autocomplete_fields = ["media_item"]


class VerdictInline(admin.TabularInline):
    """Read-only here: a verdict has its own form and workflow."""

    model = Verdict
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["publisher", "rating", "headline", "status", "published_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _titled(list_filter: type[admin.FieldListFilter], title: str) -> type:
    """`list_filter` under its own title, where the field's name would repeat another's."""

    class Titled(list_filter):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


@admin.register(Claim)
class ClaimAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "short_text",
        "status",
        "assignee",
        "rating",
        "first_appearance_platform",
        "created_at",
    ]
    # Two of these were both titled "By status": each says whose status it is.
    list_filter = [
        ("status", _titled(admin.ChoicesFieldListFilter, "claim status")),
        ("verdicts__status", _titled(admin.ChoicesFieldListFilter, "verdict status")),
        ("verdicts__rating", _titled(admin.RelatedFieldListFilter, "verdict rating")),
        ("appearances__platform", _titled(admin.ChoicesFieldListFilter, "seen on")),
        "topics",
        "language",
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["assignee"]
    search_fields = ["text", "original_text", "claimant"]
    search_help_text = "Searches claim text, original text, claimant and appearance URLs."
    date_hierarchy = "created_at"
    autocomplete_fields = ["topics", "assignee", "duplicate_of"]
    fieldsets = [
        (None, {"fields": ["text", ("original_text", "language"), ("claimant", "claim_date")]}),
        ("Triage", {"fields": [("status", "assignee"), "topics", "first_seen_at", "duplicate_of"]}),
    ]
    inlines = [AppearanceInline, ClaimMediaInline, EvidenceInline, VerdictInline]
    history_list_display = ["status"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return super().get_queryset(request).prefetch_related("verdicts__rating", "appearances")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Claim], search_term: str
    ) -> tuple[QuerySet[Claim], bool]:
        if not search_term:
            return queryset, False
        return claim_search_admin(queryset, search_term), False

    class Media:
        css = {"all": ["claims/admin.css"]}

    @admin.display(description="claim", ordering="text")
    def short_text(self, claim: Claim) -> str:
        who = f" ({claim.language}; {claim.claimant[:40]})" if claim.claimant else ""
        return f"{claim.text[:140]}{'…' if len(claim.text) > 140 else ''}{who}"

    @admin.display(description="rating")
    def rating(self, claim: Claim) -> str:
        ratings = [str(v.rating) for v in claim.verdicts.all() if v.rating_id]
        return ", ".join(ratings) or "-"

    @admin.display(description="first seen on")
    def first_appearance_platform(self, claim: Claim) -> str:
        first = next((a for a in claim.appearances.all() if a.is_first), None)
        return first.get_platform_display() if first else "-"

    def save_model(self, request: HttpRequest, obj: Claim, form: forms.ModelForm, change: bool):
        data = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
        topics = data.pop("topics", None)
        if change:
            saved = claim_update(claim=obj, actor=request.user, topics=topics, **data)
        else:
            saved = claim_create(created_by=request.user, topics=topics or (), **data)
        self._adopt(obj, saved)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        services = {
            Appearance: APPEARANCE_SERVICES,
            Evidence: EVIDENCE_SERVICES,
            ClaimMedia: CLAIM_MEDIA_SERVICES,
        }
        for formset in formsets:
            if formset.model in services:
                _save_inline_formset(request, form.instance, formset, services[formset.model])
            else:
                _read_only_formsets_saved([formset])


class CorrectionInline(admin.TabularInline):
    """Corrections are written by the publishing workflow, never edited here."""

    model = Correction
    extra = 0
    can_delete = False
    fields = ["kind", "note", "published_at", "created_by"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VerdictForm(forms.ModelForm):
    class Meta:
        model = Verdict
        fields = [
            "claim",
            "publisher",
            "rating_scale",
            "rating",
            "headline",
            "summary",
            "body",
            "media_authenticity",
            "language",
            "authors",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "publisher" in self.fields:
            self.fields["publisher"].required = False
            self.fields["publisher"].help_text = "Empty: this newsroom."


class ReturnForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea, help_text="What needs to change.")


class RetractForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, help_text="Shown on the public page.")


class CorrectForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k.value, k.label) for k in (Correction.Kind.UPDATE, Correction.Kind.CORRECTION)]
    )
    note = forms.CharField(widget=forms.Textarea, help_text="Public: what changed and why.")
    rating = forms.ModelChoiceField(queryset=Rating.objects.none())
    headline = forms.CharField(max_length=300)
    summary = forms.CharField(widget=forms.Textarea)
    body = forms.CharField(widget=forms.Textarea, required=False)

    def __init__(self, *args, verdict: Verdict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].queryset = Rating.objects.filter(scale=verdict.rating_scale_id)


@dataclass(frozen=True)
class WorkflowAction:
    """An admin button of the verdict workflow; the form's fields are the service's arguments."""

    name: str
    label: str
    service: Callable[..., Verdict]
    statuses: tuple[str, ...]
    editors_only: bool
    explanation: str
    form: type[forms.Form] | None = None


WORKFLOW_ACTIONS = [
    WorkflowAction(
        "submit",
        "Submit for review",
        verdict_submit,
        ("draft",),
        False,
        "Hand this draft to the editors.",
    ),
    WorkflowAction(
        "publish",
        "Publish",
        verdict_publish,
        ("in_review",),
        True,
        "Publish this verdict: its page, ClaimReview markup and feeds go live, and subscribers "
        "are notified.",
    ),
    WorkflowAction(
        "return",
        "Return to draft",
        verdict_return,
        ("in_review",),
        True,
        "Send it back.",
        ReturnForm,
    ),
    WorkflowAction(
        "correct",
        "Correct or update",
        verdict_correct,
        ("published",),
        True,
        "Change the published verdict with a dated public note.",
        CorrectForm,
    ),
    WorkflowAction(
        "retract",
        "Retract",
        verdict_retract,
        ("published",),
        True,
        "Withdraw the verdict; its page stays and says why.",
        RetractForm,
    ),
]


@admin.register(Verdict)
class VerdictAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = VerdictForm
    change_form_template = "admin/claims/verdict/change_form.html"
    actions = ["submit_selected"]
    list_display = [
        "__str__",
        "claim",
        "rating",
        "status",
        "publisher",
        "published_at",
        "updated_at",
    ]
    list_filter = ["status", "rating", "publisher", "language", "media_authenticity"]
    list_select_related = ["claim", "rating", "publisher"]
    search_fields = ["headline", "summary", "claim__text", "claim__claimant"]
    autocomplete_fields = ["claim", "authors"]
    readonly_fields = ["status", "slug", "editor", "published_at", "retracted_at"]
    fieldsets = [
        (None, {"fields": ["claim", "publisher", ("rating_scale", "rating")]}),
        ("Ruling", {"fields": ["headline", "summary", "body", "media_authenticity", "language"]}),
        ("People", {"fields": ["authors", "editor"]}),
        ("Workflow", {"fields": ["status", "slug", "published_at", "retracted_at"]}),
    ]
    inlines = [CorrectionInline]

    def has_delete_permission(self, request: HttpRequest, obj: Verdict | None = None) -> bool:
        # A published verdict is retracted, never deleted: its page must not vanish.
        if obj is not None and obj.status not in EDITABLE_STATUSES:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Verdict) -> None:
        verdict_delete_draft(verdict=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Verdict]) -> None:
        # The bulk action: drafts go, published verdicts stay and are named.
        for verdict in queryset:
            try:
                verdict_delete_draft(verdict=verdict, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{verdict}: {error.message}", messages.WARNING)

    def get_readonly_fields(self, request: HttpRequest, obj: Verdict | None = None):
        if obj is not None and obj.status not in EDITABLE_STATUSES:
            return [name for name in VerdictForm.Meta.fields] + self.readonly_fields
        if obj is not None:
            # Who and whom a verdict is about is fixed when it is drafted.
            return ["claim", "publisher", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Verdict, form, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
        if change:
            data.pop("claim", None)
            data.pop("publisher", None)
            saved = verdict_update_draft(verdict=obj, actor=request.user, **data)
        else:
            saved = verdict_create_draft(actor=request.user, **data)
        self._adopt(obj, saved)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # Authors were written by the service; corrections are read-only.
        _read_only_formsets_saved(formsets)

    def get_urls(self):
        workflow = path(
            "<int:object_id>/workflow/<str:action>/",
            self.admin_site.admin_view(self.workflow_view),
            name="claims_verdict_workflow",
        )
        return [workflow, *super().get_urls()]

    def _open_actions(self, request: HttpRequest, verdict: Verdict) -> list[WorkflowAction]:
        editor = is_editor(request.user)
        return [
            action
            for action in WORKFLOW_ACTIONS
            if verdict.status in action.statuses and (editor or not action.editors_only)
        ]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        verdict = self.get_object(request, object_id)
        if verdict is not None:
            extra_context = {
                **(extra_context or {}),
                "workflow_actions": self._open_actions(request, verdict),
                "publication_problems": publication_problems(verdict),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def workflow_view(self, request: HttpRequest, object_id: int, action: str) -> HttpResponse:
        verdict = self.get_object(request, str(object_id))
        if verdict is None or not self.has_view_permission(request, verdict):
            raise Http404("No such verdict.")
        chosen = next((a for a in self._open_actions(request, verdict) if a.name == action), None)
        change_url = reverse("admin:claims_verdict_change", args=[verdict.pk])
        if chosen is None:
            self.message_user(
                request, f"“{action}” is not open to you on this verdict now.", messages.ERROR
            )
            return HttpResponseRedirect(change_url)
        form_kwargs = {"verdict": verdict} if chosen.form is CorrectForm else {}
        initial = {
            "rating": verdict.rating_id,
            "headline": verdict.headline,
            "summary": verdict.summary,
            "body": verdict.body,
        }
        form = (chosen.form or forms.Form)(request.POST or None, initial=initial, **form_kwargs)
        if request.method == "POST" and form.is_valid():
            try:
                chosen.service(verdict=verdict, actor=request.user, **form.cleaned_data)
            except (ApplicationError, ValidationError) as error:
                self.message_user(request, f"Not done: {_error_text(error)}", messages.ERROR)
            else:
                self.message_user(request, f"{chosen.label}: done.", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": chosen.label,
            "verdict": verdict,
            "form": form,
            "explanation": chosen.explanation,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/claims/verdict/workflow.html", context)

    @admin.action(description="Submit selected drafts for review")
    def submit_selected(self, request: HttpRequest, queryset: QuerySet[Verdict]) -> None:
        done = _each(
            self, request, queryset, lambda v: verdict_submit(verdict=v, actor=request.user)
        )
        self.message_user(request, f"Submitted {done} verdicts for review.")


def _each(model_admin: admin.ModelAdmin, request: HttpRequest, objects, action) -> int:
    """An admin action's work: `action` on each object, a domain error shown as a warning that
    names the object while the others go on. Returns how many succeeded."""
    done = 0
    for obj in objects:
        try:
            action(obj)
            done += 1
        except ApplicationError as error:
            model_admin.message_user(request, f"{obj}: {error.message}", messages.WARNING)
    return done


def _media_preview(item: MediaItem) -> str:
    if not item.file:
        return "-"
    if item.kind == MediaItem.Kind.IMAGE:
        return format_html('<img src="{}" style="max-height:120px;max-width:200px">', item.file.url)
    return format_html(
        '<video src="{}" style="max-height:120px;max-width:200px" controls muted></video>',
        item.file.url,
    )


class MediaItemUploadForm(forms.ModelForm):
    upload = forms.FileField(help_text="An image (JPEG, PNG, GIF, WebP) or a video (MP4, WebM).")

    class Meta:
        model = MediaItem
        fields = ["first_published_at", "publisher_name", "original_url", "caption", "in_archive"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            media_probe(upload)
        except ApplicationError as error:
            raise ValidationError(error.message, code=error.code) from error
        return upload


def _frame_img(media_item_id: int, offset: float, alt: str) -> str:
    url = reverse(
        "frame-thumbnail", kwargs={"media_item_id": media_item_id, "offset": repr(float(offset))}
    )
    return format_html('<img src="{}" alt="{}" loading="lazy">', url, alt)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


@admin.register(MediaItem)
class MediaItemAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "status",
        "dimensions",
        "first_published_at",
        "publisher_name",
        "in_archive",
    ]
    list_filter = ["kind", "status", "in_archive"]
    search_fields = ["caption", "publisher_name", "original_url", "source_url", "sha256"]
    actions = ["look_up"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "preview",
        "kind",
        "status",
        "failure_reason",
        "merged_into",
        "file",
        "source_url",
        "sha256",
        "mime_type",
        "size_bytes",
        "width",
        "height",
        "duration_seconds",
        "hashed_at",
        "keyframes",
    ]
    fields = [
        *readonly_fields,
        "first_published_at",
        "publisher_name",
        "original_url",
        "caption",
        "in_archive",
    ]

    @admin.action(description="Look up in the archive")
    def look_up(self, request: HttpRequest, queryset: QuerySet[MediaItem]) -> None:
        queued = _each(
            self, request, queryset, lambda i: lookup_request(media_item=i, actor=request.user)
        )
        self.message_user(request, f"Queued {queued} lookups; their results are under Lookups.")

    def get_form(self, request: HttpRequest, obj: MediaItem | None = None, **kwargs):
        if obj is None:
            kwargs["form"] = MediaItemUploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: MediaItem | None = None):
        if obj is None:
            return ["upload", *MediaItemUploadForm.Meta.fields]
        return self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: MediaItem | None = None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description="preview")
    def preview(self, item: MediaItem) -> str:
        return _media_preview(item)

    @admin.display(description="keyframes")
    def keyframes(self, item: MediaItem) -> str:
        """The hashed frames as pictures, with their times: what a lookup compares."""
        offsets = list(item.frames.values_list("offset_seconds", flat=True))
        if not offsets:
            return "Not hashed yet." if item.hashed_at is None else "No frame distinct enough."
        figures = format_html_join(
            "",
            "<figure>{}<figcaption>{}</figcaption></figure>",
            (
                (_frame_img(item.pk, offset, f"Frame at {_clock(offset)}"), _clock(offset))
                for offset in offsets
            ),
        )
        return format_html('<div class="keyframes">{}</div>', figures)

    class Media:
        css = {"all": ["claims/admin.css"]}

    @admin.display(description="size")
    def dimensions(self, item: MediaItem) -> str:
        if not item.width:
            return "-"
        duration = f", {item.duration_seconds:.1f} s" if item.duration_seconds else ""
        return f"{item.width}x{item.height}{duration}"

    def save_model(self, request: HttpRequest, obj: MediaItem, form, change: bool) -> None:
        provenance = {name: form.cleaned_data[name] for name in MediaItemUploadForm.Meta.fields}
        if change:
            saved = media_item_update(media_item=obj, actor=request.user, **provenance)
        else:
            saved, _ = media_item_create(
                actor=request.user, file=form.cleaned_data["upload"], **provenance
            )
        self._adopt(obj, saved)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        _read_only_formsets_saved(formsets)


@admin.register(Evidence)
class EvidenceAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "claim", "kind", "relation", "source_date", "is_public"]
    list_filter = ["kind", "relation", "is_public"]
    list_select_related = ["claim"]
    search_fields = ["title", "url", "note", "claim__text"]
    autocomplete_fields = ["claim", "media_item"]
    readonly_fields = ["lookup_match"]

    def save_model(self, request: HttpRequest, obj: Evidence, form, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
        if change:
            data.pop("claim", None)
            saved = evidence_update(evidence=obj, actor=request.user, **data)
        else:
            saved = evidence_add(actor=request.user, **data)
        self._adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Evidence) -> None:
        evidence_remove(evidence=obj, actor=request.user)


class LookupMatchInline(admin.TabularInline):
    """Each match as a person judges it: the two frames side by side, how close, when and by
    whom the copy was first published, and which was published first."""

    model = LookupMatch
    extra = 0
    can_delete = False
    fields = ["frames", "closeness", "published", "source", "earliest", "matched_item"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("matched_item", "job__media_item")

    @admin.display(description="looked up · earlier copy")
    def frames(self, match: LookupMatch) -> str:
        if match.matched_item_id is None:
            return format_html('<a href="{0}" rel="noreferrer">{0}</a>', match.external_url)
        return format_html(
            '<div class="match-frames">{}{}</div>',
            _frame_img(match.job.media_item_id, match.query_offset_seconds, "Looked up"),
            _frame_img(match.matched_item_id, match.matched_offset_seconds, "Earlier copy"),
        )

    @admin.display(description="closeness")
    def closeness(self, match: LookupMatch) -> str:
        if match.distance is None:
            return "reported by the engine"
        word = "strong" if match.is_strong else "possible"
        where = ""
        if match.matched_item_id and match.matched_item.kind == MediaItem.Kind.VIDEO:
            where = f", at {_clock(match.matched_offset_seconds)} of the earlier video"
        return f"{word} match (distance {match.distance} of 256){where}"

    @admin.display(description="first published")
    def published(self, match: LookupMatch) -> str:
        published = match.first_published_at or (
            match.matched_item.first_published_at if match.matched_item_id else None
        )
        return f"{published:%Y-%m-%d}" if published else "unknown"

    @admin.display(description="source")
    def source(self, match: LookupMatch) -> str:
        item = match.matched_item
        if item is None:
            return match.external_url
        if item.original_url:
            return format_html(
                '{} <a href="{}" rel="noreferrer">original</a>',
                item.publisher_name or "",
                item.original_url,
            )
        return item.publisher_name or "-"

    @admin.display(description="earliest", boolean=True)
    def earliest(self, match: LookupMatch) -> bool:
        first = earliest_match(match.job)
        return first is not None and first.pk == match.pk


@admin.register(LookupJob)
class LookupJobAdmin(admin.ModelAdmin):
    """Lookups are run by workers; the admin shows them."""

    list_display = ["__str__", "provider", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status", "provider"]
    list_select_related = ["media_item"]
    inlines = [LookupMatchInline]
    readonly_fields = ["on_the_desk"]

    class Media:
        css = {"all": ["claims/admin.css"]}

    @admin.display(description="on the desk")
    def on_the_desk(self, job: LookupJob) -> str:
        return format_html(
            '<a href="{}">Judge the matches and record evidence</a>',
            reverse("desk:lookup", args=[job.pk]),
        )

    actions = ["earliest_match_as_evidence"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Record the earliest match as evidence on the claim")
    def earliest_match_as_evidence(self, request: HttpRequest, queryset: QuerySet[LookupJob]):
        def record(job: LookupJob) -> None:
            match = earliest_match(job)
            if match is None:
                raise ApplicationError("no dated match.")
            evidence_from_match(match=match, actor=request.user)

        jobs = queryset.prefetch_related("matches__matched_item")
        done = _each(self, request, jobs, record)
        self.message_user(request, f"Recorded {done} matches as evidence.")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "is_self"]
    search_fields = ["name", "site"]


class RatingForm(forms.ModelForm):
    class Meta:
        model = Rating
        fields = ["label", "value", "description"]

    def clean(self):
        # ClaimReview markup shows a step's label and value: on a published verdict they are
        # what readers and search engines were told, and they change only with a correction.
        cleaned = super().clean()
        rating = self.instance
        touched = set(self.changed_data) & {"label", "value"} or self._deleting()
        if (
            rating.pk
            and touched
            and rating.verdicts.filter(status__in=PUBLIC_VERDICT_STATUSES).exists()
        ):
            raise ValidationError(
                f"“{rating.label}” is the rating of published verdicts: its label and value "
                "no longer change; add a new step instead.",
                code="rating_in_use",
            )
        return cleaned

    def _deleting(self) -> bool:
        return bool(self.cleaned_data.get("DELETE"))


class RatingInline(admin.TabularInline):
    model = Rating
    form = RatingForm
    extra = 1
    fields = ["label", "value", "description"]


class RatingSynonymForm(forms.ModelForm):
    class Meta:
        model = RatingSynonym
        fields = ["text", "rating", "language"]

    def clean_text(self) -> str:
        # Stored as the mapping compares it: "Pants-on-Fire!" is "pants on fire".
        text = normalize_textual(self.cleaned_data["text"])
        if not text:
            raise ValidationError("Give the words publishers write.", code="blank")
        return text


class RatingSynonymInline(admin.TabularInline):
    """How other publishers write each step: imports and markup pages map their ratings
    through these (claims.ratings)."""

    model = RatingSynonym
    form = RatingSynonymForm
    extra = 1
    fields = ["text", "rating", "language"]
    verbose_name_plural = "synonyms (how other publishers write these ratings)"

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "rating":
            scale_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Rating.objects.filter(scale_id=scale_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["name", "best_value", "worst_value"]
    search_fields = ["name"]
    inlines = [RatingInline, RatingSynonymInline]

    def get_readonly_fields(self, request: HttpRequest, obj: RatingScale | None = None):
        # Published markup carries bestRating and worstRating.
        if obj is not None and obj.verdicts.exists():
            return ["best_value", "worst_value"]
        return []


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Registered for the verdict form's lookups; ratings are edited on their scale."""

    list_display = ["label", "scale", "value"]
    list_filter = ["scale"]
    search_fields = ["label"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False
