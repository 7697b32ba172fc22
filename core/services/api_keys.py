from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.models import ApiKey, hash_key, new_raw_key
from core.services.common import save_validated

# Recording every request's use would turn each read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def api_key_create(
    *, owner: AbstractBaseUser, name: str, created_by: AbstractBaseUser | None, rate_limit: str = ""
) -> tuple[ApiKey, str]:
    """Create a key for `owner`; returns the key row and the raw key, which is not stored and
    must be handed over now."""
    raw_key, prefix = new_raw_key()
    api_key = ApiKey(
        owner=owner,
        name=name,
        prefix=prefix,
        key_hash=hash_key(raw_key),
        rate_limit=rate_limit,
        created_by=created_by,
    )
    save_validated(api_key, actor=created_by)
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_record_use(*, api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
