"""The desk's own writes: a claim logged as it is seen, keys issued to consumer accounts, and the
accounts a first run hands out."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from claims.models import Claim
from claims.platforms import platform_of
from claims.services.claims import claim_create, claim_media_attach
from claims.services.demo import demo_users_reset
from core.exceptions import ApplicationError
from core.models import ApiKey
from core.roles import EDITOR, FACT_CHECKER
from core.services.api_keys import (
    api_key_create,
    api_key_issue,
    api_key_revoke,
    consumer_account_create,
)
from media.services.media import media_item_create

ADMIN_USERNAME = "admin"
CONSUMER_USERNAME = "demo-consumer"
DEMO_KEY_NAME = "demo key"


@transaction.atomic
def claim_intake(*, actor, text: str, url: str, language: str, file=None) -> Claim:
    """A claim as it is seen, assigned to whoever logs it: its text (or the post's address when
    there is none), the post as its appearance, and its picture or video attached, which queues
    the lookup. All of it or nothing."""
    text = text.strip()
    claim = claim_create(
        created_by=actor,
        text=text or f"Claim seen at {url}",
        original_text="",
        language=language,
        assignee=actor,
        status=Claim.Status.RESEARCHING,
        appearances=[{"url": url, "platform": platform_of(url)}] if url else [],
    )
    if file:
        item, _ = media_item_create(actor=actor, file=file)
        claim_media_attach(claim=claim, media_item=item, actor=actor)
    return claim


@transaction.atomic
def consumer_key_issue(
    *, issuer, username: str, create_account: bool, name: str, rate_limit: str = ""
) -> tuple[ApiKey, str]:
    """A key for a consumer account, the account made first when asked; api_key_issue decides
    who may (editors), and a refusal leaves no account behind."""
    owner = get_user_model().objects.filter(username=username).first()
    if owner is None and create_account:
        owner = consumer_account_create(username=username)
    if owner is None:
        raise ApplicationError(f"No account {username!r}: tick “create this account”.")
    return api_key_issue(issuer=issuer, owner=owner, name=name, rate_limit=rate_limit)


@dataclass(frozen=True)
class DemoAccess:
    username: str
    role: str
    password: str | None
    api_key: str


@transaction.atomic
def demo_access_reset() -> list[DemoAccess]:
    """Fresh credentials for a first look: the demo editor and fact-checker (new passwords), an
    admin superuser (new password), a consumer account (no password), and one new API key for
    each; the demo keys of an earlier run are revoked. Nothing here is stored unhashed."""
    User = get_user_model()
    people = [(username, password, role) for username, password, role in demo_users_reset()]
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        admin = User(username=ADMIN_USERNAME)
    password = secrets.token_urlsafe(12)
    admin.set_password(password)
    admin.is_staff = admin.is_superuser = admin.is_active = True
    admin.save()
    people.append((ADMIN_USERNAME, password, "admin"))
    consumer = User.objects.filter(username=CONSUMER_USERNAME).first()
    if consumer is None:
        consumer = consumer_account_create(username=CONSUMER_USERNAME)
    people.append((CONSUMER_USERNAME, None, "consumer"))

    access = []
    for username, password, role in people:
        owner = User.objects.get(username=username)
        for old in ApiKey.objects.filter(owner=owner, name=DEMO_KEY_NAME, revoked_at__isnull=True):
            api_key_revoke(api_key=old)
        _, raw_key = api_key_create(owner=owner, name=DEMO_KEY_NAME, created_by=None)
        access.append(DemoAccess(username, role, password, raw_key))
    return access


ROLE_ORDER = {EDITOR: 0, FACT_CHECKER: 1, "admin": 2, "consumer": 3}
