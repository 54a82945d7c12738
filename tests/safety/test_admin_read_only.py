"""Records written by services only are read-only in the admin, the safety ledger's and the
park's alike (core.admin.ReadOnlyAdminMixin): not even a superuser adds, changes or deletes one
there, so the admin is no second write path around the services' checks and events."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from park.models import GateAlarm, HazmatAppointment, Passage, VehicleAlarm
from safety.models import (
    Contractor,
    EnterpriseColour,
    HiddenDanger,
    PermitApproval,
    PermitSpotCheck,
    SafetyCommitment,
    WorkFiling,
    WorkPermit,
)

SERVICE_WRITTEN = [
    HiddenDanger,
    WorkPermit,
    SafetyCommitment,
    EnterpriseColour,
    Contractor,
    PermitApproval,
    WorkFiling,
    PermitSpotCheck,
    Passage,
    HazmatAppointment,
    GateAlarm,
    VehicleAlarm,
]


@pytest.mark.parametrize("model", SERVICE_WRITTEN, ids=lambda m: m._meta.label)
def test_a_superuser_cannot_write_service_records_in_the_admin(model, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
