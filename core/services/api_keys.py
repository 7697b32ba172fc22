from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.exceptions import PermissionDenied
from core.models import ApiKey, hash_key, new_raw_key
from core.roles import is_editor, is_newsroom
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


def may_hold_keys(user: AbstractBaseUser) -> bool:
    """Who may create keys for themselves: staff and the newsroom."""
    return user.is_active and (user.is_staff or is_newsroom(user))


def is_consumer_account(user: AbstractBaseUser) -> bool:
    """An account that only reads through the API: no staff flag, no newsroom role."""
    return not (user.is_staff or user.is_superuser or is_newsroom(user))


@transaction.atomic
def api_key_issue(
    *, issuer: AbstractBaseUser, owner: AbstractBaseUser, name: str, rate_limit: str = ""
) -> tuple[ApiKey, str]:
    """Self-service keys: staff and newsroom members create keys for themselves, and editors
    issue keys to consumer accounts (partners, researchers). Anything else is refused
    (PermissionDenied). Returns the key row and the raw key, shown once."""
    if owner.pk == issuer.pk:
        if not may_hold_keys(issuer):
            raise PermissionDenied("Only staff and the newsroom create their own API keys.")
    elif not is_editor(issuer):
        raise PermissionDenied("Only editors issue API keys to other accounts.")
    elif not is_consumer_account(owner):
        raise PermissionDenied(
            "Editors issue keys to consumer accounts only; newsroom members create their own."
        )
    return api_key_create(owner=owner, name=name, rate_limit=rate_limit, created_by=issuer)


def api_key_revoke_as(*, api_key: ApiKey, actor: AbstractBaseUser) -> None:
    """Revoke a key its owner holds, or one an editor issued; superusers revoke any."""
    if not (
        actor.is_superuser
        or api_key.owner_id == actor.pk
        or (api_key.created_by_id == actor.pk and is_editor(actor))
    ):
        raise PermissionDenied("You may revoke only your own keys and the keys you issued.")
    api_key_revoke(api_key=api_key)


@transaction.atomic
def consumer_account_create(*, username: str, email: str = "") -> AbstractBaseUser:
    """An API consumer's account: it logs in nowhere (no usable password, no staff flag) and
    reads through the keys an editor issues it."""
    User = get_user_model()
    user = User(username=username, email=email, is_staff=False)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user
