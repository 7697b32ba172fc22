"""API keys, self-service: staff and newsroom members create and revoke their own keys; editors
also issue keys to consumer accounts (core.services.api_keys holds the rules)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.pagination import Cursor
from core.api.serializers import StrictSerializer
from core.models import ApiKey
from core.roles import is_editor
from core.services.api_keys import api_key_issue, api_key_revoke_as, consumer_account_create

# As the database constraint api_key_rate_limit_format says.
RATE_LIMIT_PATTERN = r"^[0-9]+/(s|sec|m|min|h|hour|d|day)$"
RATE_LIMIT_HELP = "Requests per period for this key, e.g. 1200/min; empty for the role's."


class ApiKeyOutput(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "owner",
            "prefix",
            "rate_limit",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.CharField(help_text="The key itself: shown this once, never stored.")

    class Meta(ApiKeyOutput.Meta):
        fields = [*ApiKeyOutput.Meta.fields, "key"]


class ApiKeyInput(StrictSerializer):
    name = serializers.CharField(max_length=100, help_text="What the key is for.")
    rate_limit = serializers.RegexField(
        RATE_LIMIT_PATTERN,
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text=RATE_LIMIT_HELP,
    )
    owner = serializers.CharField(
        max_length=150,
        required=False,
        help_text="Editors: the consumer account to issue the key to (default: yourself).",
    )
    create_owner = serializers.BooleanField(
        default=False, help_text="Editors: create `owner` as a new consumer account."
    )


def api_keys_visible_to(user) -> QuerySet[ApiKey]:
    keys = ApiKey.objects.filter(owner=user)
    if is_editor(user):
        keys = keys | ApiKey.objects.filter(created_by=user)
    return keys.select_related("owner").distinct()


class ApiKeyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your API keys (editors: and the consumer keys you issued). A new key is shown once, in
    the answer that creates it; DELETE revokes a key (its record stays)."""

    serializer_class = ApiKeyOutput
    permission_classes = [IsAuthenticated]
    pagination_class = Cursor
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        return api_keys_visible_to(self.request.user)

    @extend_schema(request=ApiKeyInput, responses={201: ApiKeyCreatedOutput})
    def create(self, request: Request) -> Response:
        data = ApiKeyInput(data=request.data)
        data.is_valid(raise_exception=True)
        owner = self._owner(data.validated_data)
        with transaction.atomic():
            if owner is None:
                owner = consumer_account_create(username=data.validated_data["owner"])
            api_key, raw_key = api_key_issue(
                issuer=request.user,
                owner=owner,
                name=data.validated_data["name"],
                rate_limit=data.validated_data["rate_limit"],
            )
        api_key.key = raw_key
        return Response(ApiKeyCreatedOutput(api_key).data, status=status.HTTP_201_CREATED)

    def _owner(self, data: dict):
        """The key's owner: the caller, an existing account, or None for one to create."""
        username = data.get("owner")
        if username is None:
            if data["create_owner"]:
                raise serializers.ValidationError({"owner": ["Name the account to create."]})
            return self.request.user
        User = get_user_model()
        existing = User.objects.filter(username=username).first()
        if data["create_owner"]:
            if existing is not None:
                raise serializers.ValidationError(
                    {"owner": [serializers.ErrorDetail("This account exists.", code="exists")]}
                )
            if not is_editor(self.request.user):
                # A role's limit, not bad input: the same request from an editor is fine.
                raise exceptions.PermissionDenied("Only editors create consumer accounts.")
            return None
        if existing is None:
            raise serializers.ValidationError(
                {"owner": [serializers.ErrorDetail("No such account.", code="does_not_exist")]}
            )
        return existing

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        api_key_revoke_as(api_key=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
