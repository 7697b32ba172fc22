"""The newsroom's roles as groups: fact-checkers do the research and draft verdicts; editors
also publish, correct and retract, and keep the reference data (rating scales, publishers)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FACT_CHECKER_PERMISSIONS = {
    "claim": ["view", "add", "change", "delete"],
    "appearance": ["view", "add", "change", "delete"],
    "claimmedia": ["view", "add", "change", "delete"],
    "mediaitem": ["view", "add", "change"],
    "mediaframe": ["view"],
    "evidence": ["view", "add", "change", "delete"],
    "lookupjob": ["view", "add"],
    "lookupmatch": ["view"],
    "verdict": ["view", "add", "change"],
    "correction": ["view"],
    "topic": ["view", "add"],
    "publisher": ["view"],
    "ratingscale": ["view"],
    "rating": ["view"],
}
EDITOR_EXTRA_PERMISSIONS = {
    "verdict": ["delete", "publish"],
    "correction": ["add"],
    "topic": ["change", "delete"],
    "publisher": ["add", "change"],
    "ratingscale": ["add", "change"],
    "rating": ["add", "change"],
}


def _codenames(table: dict[str, list[str]]) -> list[str]:
    return [f"{action}_{model}" for model, actions in table.items() for action in actions]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    claims_permissions = Permission.objects.filter(content_type__app_label="claims")

    fact_checker, _ = Group.objects.get_or_create(name="fact-checker")
    fact_checker.permissions.set(
        claims_permissions.filter(codename__in=_codenames(FACT_CHECKER_PERMISSIONS))
    )
    editor, _ = Group.objects.get_or_create(name="editor")
    editor_codenames = _codenames(FACT_CHECKER_PERMISSIONS) + _codenames(EDITOR_EXTRA_PERMISSIONS)
    editor.permissions.set(claims_permissions.filter(codename__in=editor_codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["fact-checker", "editor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_database_rules"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
