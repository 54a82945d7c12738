"""DATABASE_URL naming several hosts (issue 26): parsed into the lists libpq takes, and Django
really connects through such a list to the host that takes writes."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from command import dburl
from tests.conftest import free_port


def test_a_host_list_becomes_libpq_host_and_port_lists():
    config = dburl.parse("postgis://command:s3cret@db1:5432,db2:6432,[::1]:7432/command"
                         "?target_session_attrs=read-write&connect_timeout=3", conn_max_age=60)
    assert config["HOST"] == "db1,db2,::1"
    assert config["PORT"] == "5432,6432,7432"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("command", "command", "s3cret")
    assert config["OPTIONS"] == {"target_session_attrs": "read-write", "connect_timeout": 3}
    assert config["ENGINE"] == "django.contrib.gis.db.backends.postgis" and config["CONN_MAX_AGE"] == 60


def test_hosts_without_ports_take_the_default_and_one_host_is_left_to_dj_database_url():
    assert dburl.parse("postgis://u:p@db1,db2:6432/x")["PORT"] == "5432,6432"
    assert dburl.parse("postgis://u:p@db1,db2/x")["PORT"] == ""
    single = dburl.parse("postgis://u:p@db1:5433/x")
    assert (single["HOST"], single["PORT"]) == ("db1", 5433)


@pytest.mark.parametrize("url", ["postgis://u:secret@db1:5432,:5433/x", "postgis://u:secret@db1:5432,db2:99999/x",
                                 "postgis://u:secret@db1:5432,db2:54a/x"])
def test_a_malformed_host_list_is_refused_at_start_up_without_showing_the_password(url):
    with pytest.raises(ImproperlyConfigured) as refused:
        dburl.parse(url)
    assert "secret" not in str(refused.value) and "DATABASE_URL" in str(refused.value)


@pytest.mark.django_db
def test_django_connects_through_the_list_skipping_a_dead_host():
    from django.db import connection
    from django.db.backends.postgresql.base import DatabaseWrapper

    db = connection.settings_dict
    dead = free_port()  # nothing listens there
    settings = {**db, "HOST": f"{db['HOST'] or '127.0.0.1'},{db['HOST'] or '127.0.0.1'}",
                "PORT": f"{dead},{db['PORT'] or 5432}",
                "OPTIONS": {**db.get("OPTIONS", {}), "target_session_attrs": "read-write", "connect_timeout": 3}}
    wrapper = DatabaseWrapper(settings, alias="multi-host-probe")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT inet_server_port(), pg_is_in_recovery()")
            assert cursor.fetchone() == (int(db["PORT"] or 5432), False)
    finally:
        wrapper.close()
