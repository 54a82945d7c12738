"""Fixtures for closed park management: a small park (two enterprises' sites, the public roads,
one hazmat lot with one place, gates), its people, a gate device with its token; the MQTT
fixtures are monitoring's (a private Mosquitto, ingesters in threads)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone
from rest_framework.test import APIClient

from core import roles
from tests.monitoring.conftest import (  # noqa: F401 - fixtures
    broker,
    device_publisher,
    iot_admin,
    make_device,
    onboard,
    prefix,
    publisher,
    start_ingester,
)


def box(minx, miny, maxx, maxy) -> Polygon:
    return Polygon(((minx, miny), (maxx, miny), (maxx, maxy), (minx, maxy), (minx, miny)), srid=4326)


@pytest.fixture
def park(db, make_user, request):
    from hazards.models import Enterprise
    from park.models import Gate, ParkZone
    from park.services import tracking
    from places.models import BasemapFeature
    from safety.models import EnterpriseMembership

    new_device = request.getfixturevalue("make_device")
    tracking.reference_forget()
    BasemapFeature.objects.create(layer=BasemapFeature.Layer.BOUNDARY, name="district",
                                  geometry=MultiPolygon(box(113.5, 22.5, 113.8, 22.8), srid=4326))
    e1 = Enterprise.objects.create(code="PE1", name="一号化工", location=Point(113.662, 22.652, srid=4326))
    e2 = Enterprise.objects.create(code="PE2", name="二号化工", location=Point(113.676, 22.655, srid=4326))
    public = ParkZone.objects.create(code="PUB", name="公共道路", kind="public", area=box(113.65, 22.636, 113.69, 22.667))
    site1 = ParkZone.objects.create(code="S1", name="一号厂区", kind="enterprise", enterprise=e1,
                                    area=box(113.660, 22.650, 113.664, 22.654))
    site2 = ParkZone.objects.create(code="S2", name="二号厂区", kind="enterprise", enterprise=e2,
                                    area=box(113.674, 22.653, 113.678, 22.657))
    lot = ParkZone.objects.create(code="LOT", name="危化品停车场", kind="parking", hazmat_lot=True, capacity=1,
                                  area=box(113.6505, 22.6365, 113.6535, 22.6390))
    main = Gate.objects.create(code="GM", name="1号卡口", kind="vehicle", location=Point(113.65, 22.645, srid=4326),
                               zone_inside=public)
    staff = Gate.objects.create(code="GP", name="人员通道", kind="person", location=Point(113.65, 22.65, srid=4326),
                                zone_inside=public)
    g1 = Gate.objects.create(code="G1", name="一号厂门", kind="vehicle", location=Point(113.662, 22.6505, srid=4326),
                             zone_inside=site1, zone_outside=public)
    gp1 = Gate.objects.create(code="GP1", name="一号厂人员门", kind="person",
                              location=Point(113.661, 22.6505, srid=4326), zone_inside=site1, zone_outside=public)
    glot = Gate.objects.create(code="GL", name="停车场入口", kind="vehicle",
                               location=Point(113.652, 22.639, srid=4326), zone_inside=lot, zone_outside=public)
    supervisor = make_user("park_sup", roles.SAFETY_SUPERVISOR)
    officer = make_user("park_eo1", roles.ENTERPRISE_OFFICER)
    officer2 = make_user("park_eo2", roles.ENTERPRISE_OFFICER)
    EnterpriseMembership.objects.create(user=officer, enterprise=e1)
    EnterpriseMembership.objects.create(user=officer2, enterprise=e2)
    duty = make_user("park_duty", roles.DUTY_OFFICER)
    responder = make_user("park_resp", roles.RESPONDER)
    _device, gate_token = new_device("CAM-GM", kind="gate", subject="GM")
    _device, staff_token = new_device("TS-GP", kind="gate", subject="GP")
    _device, g1_token = new_device("CAM-G1", kind="gate", subject="G1")
    _device, gp1_token = new_device("TS-GP1", kind="gate", subject="GP1")
    _device, lot_token = new_device("CAM-GL", kind="gate", subject="GL")
    return SimpleNamespace(e1=e1, e2=e2, public=public, site1=site1, site2=site2, lot=lot, main=main, staff=staff,
                           g1=g1, gp1=gp1, glot=glot, supervisor=supervisor, officer=officer, officer2=officer2,
                           duty=duty, responder=responder,
                           tokens={"GM": gate_token, "GP": staff_token, "G1": g1_token, "GP1": gp1_token,
                                   "GL": lot_token})


def api(user=None, token=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def booking(park, **extra) -> dict:
    now = timezone.now()
    today = timezone.localdate()
    return {"plate": "粤A12345", "driver": "张三", "driver_licence_valid_to": str(today + dt.timedelta(days=100)),
            "escort": "李四", "escort_licence_valid_to": str(today + dt.timedelta(days=100)), "un_number": "1005",
            "quantity_t": 20.0, "destination": park.e1.pk, "window_from": iso(now - dt.timedelta(minutes=30)),
            "window_to": iso(now + dt.timedelta(hours=3)), "gate": "GM", **extra}


def passage(gate, direction="in", at=None, **fields) -> dict:
    return {"gate": gate, "direction": direction, "at": iso(at or timezone.now() - dt.timedelta(seconds=5)), **fields}
