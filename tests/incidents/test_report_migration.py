"""Issue 23: incident reports and their deadlines moved from drills to incidents with a state-only
migration pair (incidents 0009, drills 0005): a database holding reports keeps them, and the
content types (so the roles' permissions) move with the models."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incidents import services
from incidents.models import IncidentReport, ReportRule

pytestmark = pytest.mark.django_db

BEFORE = [("incidents", "0008_historicalincident_direct_loss_cny_and_more"),
          ("drills", "0004_alter_incidentreport_kind")]
AFTER = [("incidents", "0009_report_models_from_drills"), ("drills", "0005_report_models_to_incidents")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_report_filed_before_the_move_is_found_after_it(fire_type, duty_officer):
    incident = services.incident_log(actor=duty_officer, type_code=fire_type.code, severity="III", lon=113.6,
                                     lat=22.75, title="仓库起火")
    try:
        old = _migrate(BEFORE)
        # Before the move the models are drills': file a report and change a rule through them.
        report = old.get_model("drills", "IncidentReport").objects.create(
            incident_id=incident.pk, kind="initial", channel="phone", text="迁移前的初报", filed_by_id=duty_officer.pk)
        old.get_model("drills", "ReportRule").objects.filter(severity="III").update(written_min=45)
        assert ContentType.objects.filter(app_label="drills", model="incidentreport").exists()

        new = _migrate(AFTER)
        with pytest.raises(LookupError):
            new.get_model("drills", "IncidentReport")
        moved = new.get_model("incidents", "IncidentReport").objects.get(pk=report.pk)
        assert (moved.incident_id, moved.kind, moved.text) == (incident.pk, "initial", "迁移前的初报")
    finally:
        _migrate(AFTER)  # leave the test database as every other test expects it
    # The current models read the same rows, and the permissions followed their models.
    assert IncidentReport.objects.get(pk=report.pk).filed_by == duty_officer
    assert ReportRule.objects.get(severity="III").written_min == 45
    assert [r.kind for r in incident.reports.all()] == ["initial"]
    for model in ("incidentreport", "reportrule", "historicalreportrule"):
        assert ContentType.objects.filter(app_label="incidents", model=model).exists(), model
        assert not ContentType.objects.filter(app_label="drills", model=model).exists(), model
