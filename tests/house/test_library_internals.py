"""Contract tests of the library internals the project depends on (issue 20): each fails if
an upgrade changes what our code reaches into, so the pin in pyproject.toml is moved on
purpose, with this file, and never by a resolver alone. (aiomqtt and paho-mqtt:
tests/monitoring/test_mqtt_adapter.py.)"""

import inspect

import pytest
from django.db import connection


def test_daphne_websocket_protocol_as_stream_daphne_wraps_it():
    """stream.daphne._guard_daphne_websockets wraps onOpen/onMessage and reads `muted`,
    `application_queue`, `client_addr`; _leave_forms_to_django sets _parsePOSTFormSubmission."""
    from daphne.http_protocol import WebRequest
    from daphne.ws_protocol import WebSocketProtocol
    from twisted.web.http import Request

    for name in ("onOpen", "onMessage", "sendClose", "dropConnection", "registerProducer"):
        assert callable(getattr(WebSocketProtocol, name)), name
    source = inspect.getsource(WebSocketProtocol)
    for name in ("self.muted", "self.application_queue", "client_addr"):
        assert name in source, name
    assert list(inspect.signature(WebSocketProtocol.onMessage).parameters) == ["self", "payload", "isBinary"]
    assert issubclass(WebRequest, Request)
    assert "_parsePOSTFormSubmission" in inspect.getsource(Request)
    import command.asgi  # noqa: F401 - applies the wrappers (stream.routing), as Daphne loading it does

    assert getattr(WebSocketProtocol, "_slow_reader_guarded", False)
    assert getattr(WebRequest, "_forms_left_to_django", False)


@pytest.mark.django_db
def test_procrastinate_sql_function_and_job_fields_incidents_services_uses():
    """incidents.services defers jobs in SQL through procrastinate_defer_jobs_v1 with rows of
    procrastinate_job_to_defer_v1, from a configured task's `.job` fields."""
    from incidents.services import escalate_unacknowledged

    job = escalate_unacknowledged.configure(schedule_in={"seconds": 60}).job
    for name in ("queue", "task_name", "priority", "lock", "queueing_lock", "task_kwargs", "scheduled_at"):
        assert hasattr(job, name), name
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'procrastinate_defer_jobs_v1'")
        assert cursor.fetchone()[0] == 1
        cursor.execute("""SELECT attname FROM pg_attribute a JOIN pg_type t ON t.typrelid = a.attrelid
                          WHERE t.typname = 'procrastinate_job_to_defer_v1' AND attnum > 0 ORDER BY attnum""")
        assert [r[0] for r in cursor.fetchall()] == ["queue_name", "task_name", "priority", "lock", "queueing_lock",
                                                      "args", "scheduled_at"]


def test_simple_history_internals_the_services_use():
    """plans.services sets instance._history_user; incidents.services writes historical rows
    itself, naming history_date, history_change_reason, history_type and history_user_id."""
    import simple_history.models

    from incidents.models import Incident

    assert "_history_user" in inspect.getsource(simple_history.models)
    names = {f.attname for f in Incident.history.model._meta.concrete_fields}
    assert {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"} <= names
