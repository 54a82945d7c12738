"""The hand-written SQL of a dispatch (issue 15): what the ORM, simple-history and procrastinate
would each run, composed into one statement. It reaches into three libraries' internals (Django's
InsertQuery and db converters, simple-history's historical table, procrastinate's
procrastinate_defer_jobs_v1 and its row type), so it is kept here, small, and fenced by
tests/house/test_library_internals.py: an upgrade that changes any of them fails that test
before a dispatch writes a wrong row.
"""

from __future__ import annotations

import json

from django.db import connection


class Columns:
    """One model's concrete columns in a hand-written SELECT: the SQL list, and how to turn a
    slice of a row back into an instance with the ORM's own converters (PostGIS geometries)."""

    def __init__(self, model, alias):
        qn = connection.ops.quote_name
        self.model, self.fields = model, model._meta.concrete_fields
        self.sql = ", ".join(f"{alias}.{qn(f.column)}" for f in self.fields)
        self.attnames = [f.attname for f in self.fields]
        self.converters = []
        for field in self.fields:
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            self.converters.append((found, col))

    def build(self, values):
        if values[0] is None:  # the pk: no row (a LEFT JOIN found nothing)
            return None
        out = []
        for value, (converters, col) in zip(values, self.converters, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            out.append(value)
        return self.model.from_db(connection.alias, self.attnames, out)


def insert_sql(model, objs, *, with_pk: bool = False) -> tuple[str, list]:
    """The INSERT that bulk_create would run for `objs` (defaults and auto_now_add filled in on
    the objects too), as SQL to compose into a larger statement."""
    from django.db.models.sql import InsertQuery

    fields = [f for f in model._meta.local_concrete_fields if (with_pk or not f.primary_key) and not f.generated]
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    [(sql, sql_params)] = query.get_compiler(connection=connection).as_sql()
    return sql, list(sql_params)


def history_insert_sql(model, source: str, history_type: str, actor, now) -> tuple[str, list]:
    """INSERT … SELECT of simple_history rows for the rows the CTE `source` returned: the
    historical model's columns, each copied from the row, plus who, when and what ('+' created,
    '~' changed). A historical field the model does not have fails loudly (FieldDoesNotExist)."""
    qn = connection.ops.quote_name
    history = model.history.model
    columns, values, sql_params = [], [], []
    for field in history._meta.concrete_fields:
        if field.primary_key:  # history_id: its own sequence
            continue
        columns.append(qn(field.column))
        if field.attname == "history_date":
            values.append("%s")
            sql_params.append(now)
        elif field.attname == "history_change_reason":
            values.append("NULL")
        elif field.attname == "history_type":
            values.append("%s")
            sql_params.append(history_type)
        elif field.attname == "history_user_id":
            values.append("%s")
            sql_params.append(actor.pk)
        else:
            values.append(f"{source}.{qn(model._meta.get_field(field.name).column)}")
    return (f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {source}"), sql_params


# procrastinate_job_to_defer_v1's fields, in order, and the SQL type each is cast to.
JOB_ROW = "ROW(%s, %s, %s, %s, %s, %s::jsonb, %s)::procrastinate_job_to_defer_v1"


def defer_jobs_sql(template, kwargs_list: list[dict]) -> tuple[str, list]:
    """A SELECT deferring one job per kwargs through procrastinate's own SQL function (the one
    its batch_defer calls), configured by the task itself (`template`: a configured task's
    `.job`): the same rows, in this transaction, so a rollback cancels them. As a CTE it runs
    only when read; the caller reads its one row (`deferred`, the count)."""
    rows = ", ".join([JOB_ROW] * len(kwargs_list))
    sql_params = []
    for kwargs in kwargs_list:
        sql_params += [template.queue, template.task_name, template.priority, template.lock, template.queueing_lock,
                       json.dumps({**template.task_kwargs, **kwargs}), template.scheduled_at]
    return f"SELECT cardinality(procrastinate_defer_jobs_v1(ARRAY[{rows}])) AS deferred", sql_params
