import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models


def create_or_adopt(apps, schema_editor):
    """Databases created before the event log moved from `command` to `core` have the table
    as command_event: rename it (seqs and rows kept). New databases get a new table."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('command_event') IS NOT NULL")
        (old_exists,) = cursor.fetchone()
    if old_exists:
        schema_editor.execute("ALTER TABLE command_event RENAME TO core_event")
    else:
        schema_editor.create_model(apps.get_model("core", "Event"))


def drop(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("core", "Event"))


class Migration(migrations.Migration):

    initial = True

    dependencies = [("command", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        ("seq", models.BigAutoField(primary_key=True, serialize=False)),
                        ("audiences", django.contrib.postgres.fields.ArrayField(
                            base_field=models.CharField(max_length=64), size=None, verbose_name="audiences")),
                        ("type", models.CharField(max_length=64, verbose_name="type")),
                        ("payload", models.JSONField(default=dict, verbose_name="payload")),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="at")),
                    ],
                    options={
                        "verbose_name": "event",
                        "verbose_name_plural": "events",
                        "ordering": ["seq"],
                        "indexes": [django.contrib.postgres.indexes.GinIndex(
                            fields=["audiences"], name="event_audiences_gin")],
                    },
                ),
            ],
            database_operations=[],
        ),
        # After the state exists, so apps.get_model("core", "Event") can build the table.
        migrations.RunPython(create_or_adopt, drop),
    ]
