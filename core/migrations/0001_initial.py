"""ApiKey moved here from the `api` app: a database that has `api_apikey` keeps its keys (the
table is renamed and its content type follows, with the permissions); a new one gets the table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_TABLE = "api_apikey"
NEW_TABLE = "core_apikey"


def adopt_or_create(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE in connection.introspection.table_names():
        schema_editor.alter_db_table(None, OLD_TABLE, NEW_TABLE)
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label="api", model="apikey").update(app_label="core")
    else:
        schema_editor.create_model(apps.get_model("core", "ApiKey"))


def drop(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("core", "ApiKey"))


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ApiKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(help_text='What the key is for.', max_length=100)),
                        ('prefix', models.CharField(editable=False, max_length=8, unique=True)),
                        ('key_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('rate_limit', models.CharField(blank=True, help_text="Requests per period for this key, e.g. 1200/min; empty for the role's.", max_length=20)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='api_keys', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'API key',
                        'ordering': ['-created_at'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('rate_limit', ''), ('rate_limit__regex', '^[0-9]+/(s|sec|m|min|h|hour|d|day)$'), _connector='OR'), name='api_key_rate_limit_format')],
                    },
                ),
            ],
        ),
        migrations.RunPython(adopt_or_create, drop),
    ]
