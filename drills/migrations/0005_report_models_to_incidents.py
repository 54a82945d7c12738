"""Incident reports and their deadlines now belong to incidents (its migration 0009): drop them
from drills' state only. The tables stay, under the same names, as incidents' (db_table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("drills", "0004_alter_incidentreport_kind"),
        ("incidents", "0009_report_models_from_drills"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="IncidentReport"),
                migrations.DeleteModel(name="HistoricalReportRule"),
                migrations.DeleteModel(name="ReportRule"),
            ],
            database_operations=[],
        ),
    ]
