"""The desk's own writes: the accounts a first run hands out."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from claims.services.demo import demo_users_reset
from core.models import ApiKey
from core.roles import EDITOR, FACT_CHECKER
from core.services.api_keys import api_key_create, api_key_revoke, consumer_account_create

ADMIN_USERNAME = "admin"
CONSUMER_USERNAME = "demo-consumer"
DEMO_KEY_NAME = "demo key"


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
