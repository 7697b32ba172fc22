from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api import serializers as s
from claims.selectors.reference import publisher_list, rating_scale_list, topic_list
from claims.services.reference import (
    publisher_create,
    publisher_update,
    rating_scale_create,
    rating_scale_update,
    topic_create,
    topic_delete,
    topic_update,
)
from core.api.views import ResourceViewSet
from core.roles import EDITOR


@extend_schema_view(
    create=extend_schema(request=s.TopicInput, responses={201: s.TopicOutput}),
    partial_update=extend_schema(request=s.TopicUpdateInput, responses={200: s.TopicOutput}),
)
class TopicViewSet(ResourceViewSet):
    """Topics claims are filed under. Fact-checkers add topics; editors rename and remove them."""

    output_serializer = s.TopicOutput
    ordering_fields = ["name", "updated_at"]
    ordering = ["name", "id"]
    write_roles = {"partial_update": EDITOR, "destroy": EDITOR}

    def get_queryset(self):
        return topic_list()

    def create(self, request: Request) -> Response:
        return self.create_with(s.TopicInput, lambda data: topic_create(actor=request.user, **data))

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            s.TopicUpdateInput,
            lambda topic, data: topic_update(topic=topic, actor=request.user, **data),
        )

    def destroy(self, request: Request, pk: str) -> Response:
        return self.destroy_with(lambda topic: topic_delete(topic=topic))


@extend_schema_view(
    create=extend_schema(request=s.PublisherInput, responses={201: s.PublisherOutput}),
    partial_update=extend_schema(
        request=s.PublisherUpdateInput, responses={200: s.PublisherOutput}
    ),
)
class PublisherViewSet(ResourceViewSet):
    """Fact-check publishers: this newsroom and those whose reviews were imported."""

    output_serializer = s.PublisherOutput
    ordering_fields = ["name", "updated_at"]
    ordering = ["name", "id"]
    write_roles = {"create": EDITOR, "partial_update": EDITOR}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return publisher_list()

    def create(self, request: Request) -> Response:
        return self.create_with(
            s.PublisherInput, lambda data: publisher_create(actor=request.user, **data)
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            s.PublisherUpdateInput,
            lambda publisher, data: publisher_update(
                publisher=publisher, actor=request.user, **data
            ),
        )


@extend_schema_view(
    create=extend_schema(request=s.RatingScaleInput, responses={201: s.RatingScaleOutput}),
    partial_update=extend_schema(
        request=s.RatingScaleUpdateInput, responses={200: s.RatingScaleOutput}
    ),
)
class RatingScaleViewSet(ResourceViewSet):
    """Rating scales with their ratings (ClaimReview's textual rating, value, best and worst)."""

    output_serializer = s.RatingScaleOutput
    ordering_fields = ["name", "updated_at"]
    ordering = ["name", "id"]
    write_roles = {"create": EDITOR, "partial_update": EDITOR}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return rating_scale_list()

    def create(self, request: Request) -> Response:
        return self.create_with(
            s.RatingScaleInput, lambda data: rating_scale_create(actor=request.user, **data)
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update_with(
            s.RatingScaleUpdateInput,
            lambda scale, data: rating_scale_update(rating_scale=scale, actor=request.user, **data),
        )
