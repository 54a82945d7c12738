import pytest
from rest_framework.test import APIClient


@pytest.fixture
def as_user():
    def _as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as
