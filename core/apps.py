from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app uses: errors, validators, roles, text search, the guarded HTTP client,
    the job engine, domain events and the API's shared machinery. Imports no other app."""

    name = "core"
    verbose_name = "Core"
    default_auto_field = "django.db.models.BigAutoField"
