"""Incident reports (初报 / 续报 / 终报) and their deadlines move from drills to incidents (issue 23).

State only: the tables keep their names (drills_reportrule, drills_historicalreportrule,
drills_incidentreport, set as db_table on the models), so an existing database keeps every
report and rule as it is. drills' migration 0005 drops the models from drills' state. The
content types move with the models, so the permissions the roles hold (and the admin's log)
follow them instead of being created anew.
"""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = ("reportrule", "historicalreportrule", "incidentreport")


def _move_content_types(apps, source, target):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # A content type already made for the target (a post_migrate run between the two
        # migrations) wins; the old one then stays behind, as Django leaves stale types.
        if not content_type.objects.filter(app_label=target, model=model).exists():
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _move_content_types(apps, "drills", "incidents")


def backwards(apps, schema_editor):
    _move_content_types(apps, "incidents", "drills")


SEVERITIES = [("I", "Ⅰ Extremely serious (特别重大)"), ("II", "Ⅱ Serious (重大)"), ("III", "Ⅲ Major (较大)"),
              ("IV", "Ⅳ General (一般)")]


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0008_historicalincident_direct_loss_cny_and_more"),
        # The tables are made by drills' migrations; they exist before incidents owns them.
        ("drills", "0004_alter_incidentreport_kind"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReportRule",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("severity", models.CharField(choices=SEVERITIES, max_length=3, unique=True, verbose_name="severity")),
                        ("phone_min", models.PositiveIntegerField(verbose_name="first report by phone within (min)")),
                        ("written_min", models.PositiveIntegerField(verbose_name="first written report within (min)")),
                        ("followup_h", models.PositiveIntegerField(verbose_name="follow-up report every (h) while open")),
                        ("final_days", models.PositiveIntegerField(verbose_name="final report within (days) of closing")),
                    ],
                    options={
                        "verbose_name": "reporting deadline",
                        "verbose_name_plural": "reporting deadlines",
                        "db_table": "drills_reportrule",
                        "ordering": ["severity"],
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalReportRule",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("severity", models.CharField(choices=SEVERITIES, db_index=True, max_length=3, verbose_name="severity")),
                        ("phone_min", models.PositiveIntegerField(verbose_name="first report by phone within (min)")),
                        ("written_min", models.PositiveIntegerField(verbose_name="first written report within (min)")),
                        ("followup_h", models.PositiveIntegerField(verbose_name="follow-up report every (h) while open")),
                        ("final_days", models.PositiveIntegerField(verbose_name="final report within (days) of closing")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        ("history_type", models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1)),
                        ("history_user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "historical reporting deadline",
                        "verbose_name_plural": "historical reporting deadlines",
                        "db_table": "drills_historicalreportrule",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="IncidentReport",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("initial", "First report (初报)"), ("followup", "Follow-up report (续报)"), ("final", "Final report (终报)"), ("supplementary", "Supplementary report (补报)")], max_length=16, verbose_name="kind")),
                        ("channel", models.CharField(choices=[("phone", "Phone"), ("written", "Written")], default="written", max_length=8, verbose_name="channel")),
                        ("text", models.TextField(verbose_name="text")),
                        ("filed_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="filed at")),
                        ("filed_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="filed by")),
                        ("incident", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="reports", to="incidents.incident", verbose_name="incident")),
                    ],
                    options={
                        "verbose_name": "incident report",
                        "verbose_name_plural": "incident reports",
                        "db_table": "drills_incidentreport",
                        "ordering": ["filed_at", "id"],
                        "constraints": [models.UniqueConstraint(condition=models.Q(("kind", "final")), fields=("incident",), name="incident_report_one_final")],
                    },
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
