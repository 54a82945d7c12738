import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IdempotencyRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=255, verbose_name="key")),
                ("fingerprint", models.CharField(max_length=64, verbose_name="request fingerprint")),
                ("status", models.PositiveSmallIntegerField(verbose_name="status")),
                ("content_type", models.CharField(blank=True, max_length=200, verbose_name="content type")),
                ("location", models.CharField(blank=True, max_length=2000, verbose_name="location")),
                ("body", models.BinaryField(verbose_name="body")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to=settings.AUTH_USER_MODEL, verbose_name="user")),
            ],
            options={
                "verbose_name": "idempotency record",
                "verbose_name_plural": "idempotency records",
                "constraints": [models.UniqueConstraint(fields=("user", "key"), name="idempotency_user_key_unique")],
            },
        ),
    ]
