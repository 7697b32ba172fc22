"""Query parameters of the list endpoints. Filters across relations use subqueries, so a claim
with three matching appearances is still one row and the page size holds."""

from datetime import UTC

import django_filters as filters
from django.core.exceptions import ValidationError
from django.db.models import FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django_filters.fields import IsoDateTimeField

from claims.models import Appearance, Claim, Evidence, MediaAuthenticity, Verdict
from claims.selectors.verdicts import verdict_list
from core import search
from core.api.filters import RANK, IdFilter, StrictFilterSet
from media.models import LookupJob, MediaItem

MAX_QUERY_LENGTH = 300


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601, converted to UTC: Python accepts offsets PostgreSQL refuses (beyond ±15:59)."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError("Date and time out of range.", code="invalid") from error


class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class SearchFilter(filters.CharFilter):
    """`q`: full-text search (CJK-aware, phrases in quotes) with typo tolerance."""

    def __init__(self, *, vector_field: str, raw_field: str, **kwargs) -> None:
        kwargs.setdefault("max_length", MAX_QUERY_LENGTH)
        kwargs.setdefault(
            "help_text",
            'Search text. Words are all required; "quoted words" are a phrase; Chinese, '
            "Japanese and Korean text matches within words; close misspellings match.",
        )
        super().__init__(**kwargs)
        self.vector_field, self.raw_field = vector_field, raw_field

    def filter(self, queryset: QuerySet, value: str) -> QuerySet:
        if not value or not value.strip():
            return queryset
        return search.filter_matching(
            queryset, value, vector_field=self.vector_field, raw_field=self.raw_field
        )


def _rank(text: str, vector_field: str = "search_vector"):
    # Text with nothing searchable matches no row (filter_matching); the rank is then moot.
    rank = search.rank(text, vector_field=vector_field)
    return Value(0.0) if rank is None else rank


def verdicts_by_relevance(queryset: QuerySet, text: str) -> QuerySet:
    """Verdicts as `q` filters them, ranked on the same document (headline, summary, claim)."""
    return queryset.annotate(**{RANK: _rank(text)})


def claims_by_relevance(queryset: QuerySet, text: str, *, viewer) -> QuerySet:
    """Claims ranked as `q` finds them: by their own text or by their best verdict, of the
    verdicts the viewer may read (a draft's words must not lift a claim for an outsider)."""
    best_verdict = (
        verdict_list(viewer=viewer)
        .prefetch_related(None)
        .filter(claim_id=OuterRef("pk"))
        .annotate(verdict_rank=_rank(text))
        .order_by("-verdict_rank")
        .values("verdict_rank")[:1]
    )
    return queryset.annotate(
        **{
            RANK: Greatest(
                Coalesce(_rank(text), Value(0.0)),
                Coalesce(Subquery(best_verdict, output_field=FloatField()), Value(0.0)),
                output_field=FloatField(),
            )
        }
    )


class ClaimFilter(StrictFilterSet):
    q = filters.CharFilter(
        method="filter_q",
        max_length=MAX_QUERY_LENGTH,
        help_text="Search claim text, original text and claimant, and the headline and summary "
        "of the claim's verdicts; as `q` on verdicts.",
    )
    status = filters.ChoiceFilter(choices=Claim.Status.choices)
    language = filters.CharFilter(max_length=35)
    topic = filters.CharFilter(method="filter_topic", max_length=100, help_text="Topic slug.")
    platform = filters.ChoiceFilter(
        choices=Appearance.Platform.choices, method="filter_platform", help_text="Seen on."
    )
    claimant = filters.CharFilter(lookup_expr="icontains", max_length=300)
    rating = filters.CharFilter(
        method="filter_rating", max_length=100, help_text="Textual rating of a verdict, e.g. False."
    )
    publisher = filters.CharFilter(
        method="filter_publisher", max_length=253, help_text="Site of a verdict's publisher."
    )
    claim_date_after = filters.DateFilter(field_name="claim_date", lookup_expr="gte")
    claim_date_before = filters.DateFilter(field_name="claim_date", lookup_expr="lte")
    published_after = DateTimeFilter(method="filter_published_after")
    published_before = DateTimeFilter(method="filter_published_before")
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = DateTimeFilter(field_name="updated_at", lookup_expr="lte")

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        if not value.strip():
            return queryset
        on_claim = search.filter_matching(queryset, value).values("pk")
        # Verdicts index their claim's text too; only verdicts the viewer may read count.
        verdicts = verdict_list(viewer=self.request.user).prefetch_related(None)
        on_verdict = search.filter_matching(verdicts, value).values("claim_id")
        return queryset.filter(Q(pk__in=on_claim) | Q(pk__in=on_verdict))

    def filter_topic(self, queryset, name, value):
        claims = Claim.topics.through.objects.filter(topic__slug=value).values("claim_id")
        return queryset.filter(pk__in=claims)

    def filter_platform(self, queryset, name, value):
        return queryset.filter(pk__in=Appearance.objects.filter(platform=value).values("claim_id"))

    def _verdicts(self, queryset, **conditions):
        # Through the viewer's selector: a draft's rating or publisher must not pick out, for an
        # outsider, the public claim it is being written on.
        verdicts = verdict_list(viewer=self.request.user).prefetch_related(None).order_by()
        return queryset.filter(pk__in=verdicts.filter(**conditions).values("claim_id"))

    def filter_rating(self, queryset, name, value):
        return self._verdicts(queryset, rating__label__iexact=value)

    def filter_publisher(self, queryset, name, value):
        return self._verdicts(queryset, publisher__site__iexact=value)

    def filter_published_after(self, queryset, name, value):
        return self._verdicts(queryset, published_at__gte=value)

    def filter_published_before(self, queryset, name, value):
        return self._verdicts(queryset, published_at__lte=value)


class VerdictFilter(StrictFilterSet):
    q = SearchFilter(vector_field="search_vector", raw_field="search_text")
    status = filters.ChoiceFilter(choices=Verdict.Status.choices)
    rating = filters.CharFilter(field_name="rating__label", lookup_expr="iexact", max_length=100)
    language = filters.CharFilter(max_length=35)
    media_authenticity = filters.ChoiceFilter(choices=MediaAuthenticity.choices)
    publisher = filters.CharFilter(
        field_name="publisher__site", lookup_expr="iexact", max_length=253
    )
    claim = IdFilter(field_name="claim_id")
    topic = filters.CharFilter(method="filter_topic", max_length=100, help_text="Topic slug.")
    platform = filters.ChoiceFilter(choices=Appearance.Platform.choices, method="filter_platform")
    claimant = filters.CharFilter(
        field_name="claim__claimant", lookup_expr="icontains", max_length=300
    )
    claim_date_after = filters.DateFilter(field_name="claim__claim_date", lookup_expr="gte")
    claim_date_before = filters.DateFilter(field_name="claim__claim_date", lookup_expr="lte")
    published_after = DateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = DateTimeFilter(field_name="published_at", lookup_expr="lte")
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = DateTimeFilter(field_name="updated_at", lookup_expr="lte")

    class Meta:
        model = Verdict
        fields: list[str] = []

    def filter_topic(self, queryset, name, value):
        claims = Claim.topics.through.objects.filter(topic__slug=value).values("claim_id")
        return queryset.filter(claim_id__in=claims)

    def filter_platform(self, queryset, name, value):
        return queryset.filter(
            claim_id__in=Appearance.objects.filter(platform=value).values("claim_id")
        )


class AppearanceFilter(StrictFilterSet):
    claim = IdFilter(field_name="claim_id")
    platform = filters.ChoiceFilter(choices=Appearance.Platform.choices)
    is_first = filters.BooleanFilter()

    class Meta:
        model = Appearance
        fields: list[str] = []


class EvidenceFilter(StrictFilterSet):
    claim = IdFilter(field_name="claim_id")
    kind = filters.ChoiceFilter(choices=Evidence.Kind.choices)
    relation = filters.ChoiceFilter(choices=Evidence.Relation.choices)

    class Meta:
        model = Evidence
        fields: list[str] = []


class MediaItemFilter(StrictFilterSet):
    kind = filters.ChoiceFilter(choices=MediaItem.Kind.choices)
    status = filters.ChoiceFilter(choices=MediaItem.Status.choices)
    in_archive = filters.BooleanFilter()
    sha256 = filters.CharFilter(max_length=64)

    class Meta:
        model = MediaItem
        fields: list[str] = []


class LookupJobFilter(StrictFilterSet):
    media_item = IdFilter(field_name="media_item_id")
    status = filters.ChoiceFilter(choices=LookupJob.Status.choices)

    class Meta:
        model = LookupJob
        fields: list[str] = []
