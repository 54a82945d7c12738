"""Contract tests of the library internals the project depends on (issue 20): each fails if
an upgrade changes what our code reaches into, so the pin in pyproject.toml is moved on
purpose, with this file, and never by a resolver alone. (aiomqtt and paho-mqtt:
tests/monitoring/test_mqtt_adapter.py.)"""

import inspect
import json

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
    """incidents.services.dispatch_sql defers jobs in SQL through procrastinate_defer_jobs_v1 with
    rows of procrastinate_job_to_defer_v1, from a configured task's `.job` fields."""
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
    """plans.services sets instance._history_user; incidents.services.dispatch_sql writes historical
    rows itself, naming history_date, history_change_reason, history_type and history_user_id."""
    import simple_history.models

    from incidents.models import Incident

    assert "_history_user" in inspect.getsource(simple_history.models)
    names = {f.attname for f in Incident.history.model._meta.concrete_fields}
    assert {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"} <= names


def _table_columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                       "ORDER BY ordinal_position", [table])
        return [r[0] for r in cursor.fetchall()]


@pytest.mark.django_db
@pytest.mark.parametrize("model_path", ["incidents.models.Assignment", "resources.models.Resource",
                                        "incidents.models.Incident"])
def test_dispatch_sql_writes_every_column_of_the_history_tables(model_path, dispatcher):
    """The history INSERT a dispatch composes names exactly the historical table's columns in the
    database (all but history_id, drawn from its sequence), and copies every other one from a
    column the source table has: a field simple-history adds or renames in an upgrade fails here."""
    from django.utils.module_loading import import_string

    from incidents.services import dispatch_sql

    model = import_string(model_path)
    history = model.history.model
    sql, params = dispatch_sql.history_insert_sql(model, "src", "~", dispatcher, "2026-12-06T00:00:00Z")
    qn = connection.ops.quote_name
    head, _, select = sql.partition(") SELECT ")
    written = [c.strip().strip('"') for c in head.split("(", 1)[1].split(",")]
    assert head.startswith(f"INSERT INTO {qn(history._meta.db_table)} (")
    # Named columns, so their order is free (a migration appends a new one at the table's end).
    assert len(written) == len(set(written))
    assert set(written) == {c for c in _table_columns(history._meta.db_table) if c != "history_id"}
    copied = [v.strip().removeprefix("src.").strip('"') for v in select.removesuffix(" FROM src").split(",")
              if v.strip().startswith("src.")]
    assert copied and set(copied) <= set(_table_columns(model._meta.db_table))
    assert len(params) == 3  # when, what ('~'), who: the rest comes from the source rows


@pytest.mark.django_db(transaction=True)
def test_dispatch_sql_defers_jobs_procrastinate_runs():
    """defer_jobs_sql's SELECT, run as is, makes procrastinate jobs with the task's queue, name
    and lock and the given arguments, exactly as the task's own .defer() would."""
    from django.db import transaction

    from incidents.services import dispatch_sql, escalate_unacknowledged

    template = escalate_unacknowledged.configure(schedule_in={"seconds": 3600}).job
    sql, params = dispatch_sql.defer_jobs_sql(template, [{"assignment_id": -501}, {"assignment_id": -502}])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchone()[0] == 2
        cursor.execute("SELECT queue_name, task_name, args::text, status, scheduled_at IS NOT NULL FROM procrastinate_jobs "
                       "WHERE (args->>'assignment_id')::int IN (-501, -502) ORDER BY id")
        rows = [(q, t, json.loads(a), st, sch) for q, t, a, st, sch in cursor.fetchall()]
        cursor.execute("DELETE FROM procrastinate_jobs WHERE (args->>'assignment_id')::int IN (-501, -502)")
    assert rows == [(template.queue, "incidents.escalate_unacknowledged", {"assignment_id": -501}, "todo", True),
                    (template.queue, "incidents.escalate_unacknowledged", {"assignment_id": -502}, "todo", True)]
