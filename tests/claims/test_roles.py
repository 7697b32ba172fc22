import pytest
from django.contrib.auth.models import Group

from core.roles import EDITOR, FACT_CHECKER, is_editor, is_newsroom, role_of
from tests.factories import UserFactory, editor, fact_checker

pytestmark = pytest.mark.django_db


def test_roles_are_created_by_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {FACT_CHECKER, EDITOR}


def test_only_editors_publish():
    checker, chief = fact_checker(), editor()
    assert chief.has_perm("claims.publish_verdict")
    assert not checker.has_perm("claims.publish_verdict")
    assert checker.has_perm("claims.add_verdict")
    assert checker.has_perm("claims.change_claim")
    assert not checker.has_perm("claims.change_ratingscale")
    assert chief.has_perm("claims.change_ratingscale")


def test_role_of_each_kind_of_user(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert role_of(AnonymousUser()) == "anonymous"
    assert role_of(UserFactory()) == "consumer"
    assert role_of(fact_checker()) == FACT_CHECKER
    assert role_of(editor()) == EDITOR
    assert is_newsroom(editor())
    assert not is_editor(fact_checker())
