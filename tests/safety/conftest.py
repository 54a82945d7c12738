"""Two park enterprises, a supervisor (and a second one), an officer bound to each enterprise,
and a console user: enough to try every door with the right and the wrong person."""

import datetime as dt
import io

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR
from hazards.models import Enterprise, RiskSource
from safety.models import EnterpriseMembership

LON, LAT = 113.66, 22.65


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """Photos go to a temporary private root, not the checkout's var/private."""
    settings.SAFETY_PRIVATE_ROOT = str(tmp_path / "private")
    return tmp_path / "private"


@pytest.fixture
def park(db, make_user, settings):
    # Creating the risk sources already colours the enterprises (safety.apps): the colour must
    # not depend on the hour the test runs. Tests about the commitment set their own due hour.
    settings.SAFETY_COMMITMENT_DUE_HOUR = 24
    e1 = Enterprise.objects.create(code="E1", name="一号化工", location=Point(LON, LAT, srid=4326))
    e2 = Enterprise.objects.create(code="E2", name="二号化工", location=Point(LON + 0.01, LAT, srid=4326))
    rs1 = RiskSource.objects.create(code="RS1", name="液氯储罐区", enterprise=e1, location=Point(LON, LAT, srid=4326),
                                    is_major=True, grade=1, r_value=112)
    RiskSource.objects.create(code="RS2", name="液氨储罐区", enterprise=e2, location=Point(LON + 0.01, LAT, srid=4326),
                              is_major=True, grade=3, r_value=20)
    supervisor = make_user("sup_t", SAFETY_SUPERVISOR)
    supervisor2 = make_user("sup2_t", SAFETY_SUPERVISOR)
    officer1 = make_user("off1_t", ENTERPRISE_OFFICER)
    officer2 = make_user("off2_t", ENTERPRISE_OFFICER)
    EnterpriseMembership.objects.create(user=officer1, enterprise=e1)
    EnterpriseMembership.objects.create(user=officer2, enterprise=e2)
    return {"e1": e1, "e2": e2, "rs1": rs1, "supervisor": supervisor, "supervisor2": supervisor2,
            "officer1": officer1, "officer2": officer2}


@pytest.fixture
def api():
    def _as(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _as


def later(**kwargs):
    return timezone.now() + dt.timedelta(**kwargs)


def image_bytes(fmt="PNG", size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def approve(officer, permit, level="principal"):
    """The enterprise's on-site approval that work needs before it starts (GB 30871-2022 Appendix B,
    4.11); the principal may approve any permit."""
    from safety import services

    return services.work_permit_approve(actor=officer, permit_id=permit.pk if hasattr(permit, "pk") else permit,
                                        level=level, approver="王厂长", on_site=True)
