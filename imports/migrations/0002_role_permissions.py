"""The newsroom follows imports in the admin: fact-checkers and editors may view jobs and their
rejected records (editors start and resume them; nobody edits them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_importjob", "view_importreject"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    app_config = apps.get_app_config("imports")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="imports", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name__in=["fact-checker", "editor"]):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="imports", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name__in=["fact-checker", "editor"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("claims", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
