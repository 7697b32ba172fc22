"""The desk: the newsroom's start page and the pages a claim is worked on from.

Reads go through desk.selectors, writes through the services; a domain error is shown as a
message and nothing is half-written (each service is one transaction). Actions answer htmx
requests with the fragment that changed, and plain form posts with a redirect, so every page
works without JavaScript.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from claims.models import Claim, Rating, Verdict
from claims.services.claims import claim_update
from claims.services.evidence import evidence_from_match
from claims.services.verdicts import (
    EDITABLE_STATUSES,
    verdict_create_draft,
    verdict_update_draft,
)
from claims.services.workflow import (
    publication_problems,
    verdict_publish,
    verdict_return,
    verdict_submit,
)
from core.exceptions import ApplicationError
from core.roles import is_editor
from core.services.api_keys import api_key_issue, api_key_revoke_as
from desk import forms, selectors, services
from desk.access import newsroom_only
from matching.models import ClaimSuggestion
from matching.services import suggestion_confirm, suggestion_reject
from media.models import MediaItem
from media.services.lookups import earliest_match, lookup_request


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(getattr(error, "message", error))


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    # Only paths on this site: never an open redirect.
    if not target.startswith("/") or target.startswith("//"):
        target = fallback
    return HttpResponseRedirect(target)


@require_GET
@newsroom_only
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    editor = is_editor(user)
    context = {
        "editor": editor,
        "my_claims": list(selectors.my_claims(user=user)),
        "triage": list(selectors.claims_to_triage()),
        "running": list(selectors.running_lookups(user=user)),
        "finished": list(selectors.finished_lookups(user=user)),
        "intake": forms.IntakeForm(),
        "languages": forms.LANGUAGES,
    }
    if editor:
        queue = list(selectors.review_queue())
        context |= {
            "review_queue": [(verdict, publication_problems(verdict)) for verdict in queue],
            "publications": list(selectors.recent_publications()),
            "corrections": list(selectors.recent_corrections()),
        }
    return render(request, "desk/home.html", context)


@require_GET
@newsroom_only
def lookups_section(request: HttpRequest) -> HttpResponse:
    """The home page's lookups, refreshed by htmx while some are running."""
    user = request.user
    return render(
        request,
        "desk/_lookups_section.html",
        {
            "running": list(selectors.running_lookups(user=user)),
            "finished": list(selectors.finished_lookups(user=user)),
        },
    )


@require_POST
@newsroom_only
def intake(request: HttpRequest) -> HttpResponse:
    """Log a claim as it is seen: its text, the post it was seen in, its picture or video. The
    claim is assigned to whoever logs it; attaching the media queues its lookup."""
    form = forms.IntakeForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Not logged: {error}")
        return HttpResponseRedirect(reverse("desk:home"))
    data = form.cleaned_data
    try:
        claim = services.claim_intake(
            actor=request.user,
            text=data["text"],
            url=data["url"],
            language=data["language"],
            file=data["file"],
        )
    except (ApplicationError, ValidationError) as error:
        messages.error(request, f"Not logged: {_error_text(error)}")
        return HttpResponseRedirect(reverse("desk:home"))
    messages.success(request, f"Claim #{claim.pk} logged and assigned to you.")
    return HttpResponseRedirect(reverse("desk:claim", args=[claim.pk]))


def _claim_context(request: HttpRequest, dossier: selectors.ClaimDossier) -> dict:
    verdict = dossier.verdict
    scale_id = verdict.rating_scale_id if verdict else None
    ratings = Rating.objects.filter(scale_id=scale_id) if scale_id else _default_ratings()
    initial = {}
    if verdict is not None:
        initial = {
            "rating": verdict.rating_id,
            "headline": verdict.headline,
            "summary": verdict.summary,
            "body": verdict.body,
        }
    return {
        "claim": dossier.claim,
        "verdict": verdict,
        "lookups": dossier.lookups,
        "verdict_form": forms.VerdictDraftForm(initial=initial, ratings=ratings),
        "return_form": forms.ReturnForm(),
        "problems": publication_problems(verdict) if verdict else [],
        "editor": is_editor(request.user),
        "editable": verdict is None or verdict.status in EDITABLE_STATUSES,
    }


def _default_ratings():
    return Rating.objects.filter(scale__name=settings.FACTCHECK_DEFAULT_RATING_SCALE)


@require_GET
@newsroom_only
def claim_page(request: HttpRequest, claim_id: int) -> HttpResponse:
    dossier = selectors.claim_dossier(claim_id=claim_id)
    if dossier is None:
        raise Http404("No such claim.")
    return render(request, "desk/claim.html", _claim_context(request, dossier))


def _claim_or_404(claim_id: int) -> Claim:
    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        raise Http404("No such claim.")
    return claim


@require_POST
@newsroom_only
def claim_take(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Take a new claim from triage: it is assigned to you and being researched."""
    claim = _claim_or_404(claim_id)
    try:
        claim_update(
            claim=claim,
            actor=request.user,
            assignee=request.user,
            status=Claim.Status.RESEARCHING,
        )
    except (ApplicationError, ValidationError) as error:
        messages.error(request, f"Not taken: {_error_text(error)}")
    return _back(request, reverse("desk:claim", args=[claim.pk]))


@require_POST
@newsroom_only
def claim_verdict(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Start or edit our draft verdict on the claim."""
    dossier = selectors.claim_dossier(claim_id=claim_id)
    if dossier is None:
        raise Http404("No such claim.")
    verdict = dossier.verdict
    ratings = (
        Rating.objects.filter(scale_id=verdict.rating_scale_id) if verdict else _default_ratings()
    )
    form = forms.VerdictDraftForm(request.POST, ratings=ratings)
    target = reverse("desk:claim", args=[claim_id]) + "#verdict"
    if not form.is_valid():
        messages.error(request, "Not saved: choose a rating from the list.")
        return HttpResponseRedirect(target)
    try:
        if verdict is None:
            if form.cleaned_data["rating"] is None:
                raise ApplicationError("Choose a rating to start the draft.")
            verdict_create_draft(claim=dossier.claim, actor=request.user, **form.cleaned_data)
        else:
            verdict_update_draft(verdict=verdict, actor=request.user, **form.cleaned_data)
    except (ApplicationError, ValidationError) as error:
        messages.error(request, f"Not saved: {_error_text(error)}")
    else:
        messages.success(request, "Verdict draft saved.")
    return HttpResponseRedirect(target)


WORKFLOW = {
    "submit": (verdict_submit, "Submitted for review."),
    "publish": (verdict_publish, "Published."),
    "return": (verdict_return, "Returned to draft."),
}


@require_POST
@newsroom_only
def verdict_action(request: HttpRequest, verdict_id: int, action: str) -> HttpResponse:
    """Submit, publish or return a verdict; the workflow decides who may and when."""
    if action not in WORKFLOW:
        raise Http404("No such action.")
    verdict = Verdict.objects.filter(pk=verdict_id, publisher__is_self=True).first()
    if verdict is None:
        raise Http404("No such verdict.")
    service, done = WORKFLOW[action]
    arguments = {}
    if action == "return":
        form = forms.ReturnForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Not returned: say what needs to change.")
            return _back(request, reverse("desk:claim", args=[verdict.claim_id]))
        arguments["comment"] = form.cleaned_data["comment"]
    try:
        service(verdict=verdict, actor=request.user, **arguments)
    except (ApplicationError, ValidationError) as error:
        messages.error(request, f"Not done: {_error_text(error)}")
    else:
        messages.success(request, done)
    return _back(request, reverse("desk:claim", args=[verdict.claim_id]))


@require_POST
@newsroom_only
def media_lookup(request: HttpRequest, media_item_id: int) -> HttpResponse:
    """Run a reverse-image lookup of the item in the archive."""
    item = MediaItem.objects.filter(pk=media_item_id).first()
    if item is None:
        raise Http404("No such media item.")
    try:
        job = lookup_request(media_item=item, actor=request.user)
    except (ApplicationError, ValidationError) as error:
        messages.error(request, f"No lookup: {_error_text(error)}")
        return _back(request, reverse("desk:home"))
    return HttpResponseRedirect(reverse("desk:lookup", args=[job.pk]))


def _lookup_context(job) -> dict:
    earliest = earliest_match(job)
    claims = [link.claim for link in job.media_item.claim_media.all()]
    return {
        "job": job,
        "matches": list(job.matches.all()),
        "earliest": earliest,
        "claims": claims,
        "evidence_form": forms.EvidenceFromMatchForm(),
        "finished": job.finished_at is not None,
    }


@require_GET
@newsroom_only
def lookup_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.lookup_job(job_id=job_id)
    if job is None:
        raise Http404("No such lookup.")
    context = _lookup_context(job)
    if request.htmx:
        return render(request, "desk/_lookup_result.html", context)
    return render(request, "desk/lookup.html", context)


@require_POST
@newsroom_only
def match_evidence(request: HttpRequest, job_id: int, match_id: int) -> HttpResponse:
    """Record a lookup's match as reverse-image evidence on the claim carrying the media."""
    job = selectors.lookup_job(job_id=job_id)
    match = next((m for m in job.matches.all() if m.pk == match_id), None) if job else None
    if match is None:
        raise Http404("No such match.")
    form = forms.EvidenceFromMatchForm(request.POST)
    context = _lookup_context(job)
    claims = {claim.pk: claim for claim in context["claims"]}
    if not form.is_valid():
        raise Http404("No such relation.")
    chosen = form.cleaned_data["claim"]
    if chosen is not None and chosen not in claims:
        raise Http404("No such claim carries this media.")
    try:
        with transaction.atomic():
            evidence = evidence_from_match(
                match=match,
                actor=request.user,
                claim=claims.get(chosen),
                relation=form.cleaned_data["relation"],
            )
    except (ApplicationError, ValidationError) as error:
        messages.error(request, f"Not recorded: {_error_text(error)}")
        evidence = None
    if not request.htmx:
        if evidence is not None:
            messages.success(request, f"Recorded as evidence on claim #{evidence.claim_id}.")
        return HttpResponseRedirect(reverse("desk:lookup", args=[job.pk]))
    job = selectors.lookup_job(job_id=job_id)
    match = next(m for m in job.matches.all() if m.pk == match_id)
    context = _lookup_context(job) | {"match": match, "just_recorded": evidence}
    return render(request, "desk/_match.html", context)


@require_POST
@newsroom_only
def suggestion_decide(request: HttpRequest, suggestion_id: int, decision: str) -> HttpResponse:
    """Confirm (the claim repeats the suggested one) or reject a duplicate suggestion."""
    services = {"confirm": suggestion_confirm, "reject": suggestion_reject}
    suggestion = ClaimSuggestion.objects.filter(pk=suggestion_id).first()
    if suggestion is None or decision not in services:
        raise Http404("No such suggestion.")
    error_text = ""
    try:
        suggestion = services[decision](suggestion=suggestion, actor=request.user)
    except (ApplicationError, ValidationError) as error:
        error_text = _error_text(error)
    if not request.htmx:
        if error_text:
            messages.error(request, error_text)
        return _back(request, reverse("desk:home"))
    suggestion = ClaimSuggestion.objects.select_related("suggested", "decided_by").get(
        pk=suggestion.pk
    )
    return render(request, "desk/_suggestion.html", {"suggestion": suggestion, "error": error_text})


@require_GET
@newsroom_only
def media_page(request: HttpRequest, media_item_id: int) -> HttpResponse:
    item = selectors.media_item_page(media_item_id=media_item_id)
    if item is None:
        raise Http404("No such media item.")
    return render(request, "desk/media.html", {"item": item})


@newsroom_only
def api_keys(request: HttpRequest) -> HttpResponse:
    """Your API keys; editors also issue keys to consumer accounts. A new key is shown once."""
    editor = is_editor(request.user)
    own_form = forms.ApiKeyForm(prefix="own")
    consumer_form = forms.ConsumerKeyForm(prefix="consumer") if editor else None
    created = None
    if request.method == "POST":
        if request.POST.get("form") == "consumer" and editor:
            consumer_form = forms.ConsumerKeyForm(request.POST, prefix="consumer")
            created = _issue(request, consumer_form, consumer=True)
        else:
            own_form = forms.ApiKeyForm(request.POST, prefix="own")
            created = _issue(request, own_form, consumer=False)
    context = {
        "keys": list(selectors.api_keys_of(user=request.user)),
        "own_form": own_form,
        "consumer_form": consumer_form,
        "created": created,
    }
    return render(request, "desk/keys.html", context)


def _issue(request: HttpRequest, form, *, consumer: bool) -> tuple | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        if consumer:
            return services.consumer_key_issue(
                issuer=request.user,
                username=data["consumer"],
                create_account=data["create_consumer"],
                name=data["name"],
                rate_limit=data["rate_limit"],
            )
        return api_key_issue(
            issuer=request.user,
            owner=request.user,
            name=data["name"],
            rate_limit=data["rate_limit"],
        )
    except (ApplicationError, ValidationError) as error:
        messages.error(request, f"No key: {_error_text(error)}")
        return None


@require_POST
@newsroom_only
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    api_key = selectors.api_keys_of(user=request.user).filter(pk=key_id).first()
    if api_key is None:
        raise Http404("No such key.")
    try:
        api_key_revoke_as(api_key=api_key, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Revoked {api_key}.")
    return HttpResponseRedirect(reverse("desk:keys"))
