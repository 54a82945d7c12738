"""Events are typed contracts (issue 23.3, as Zulip's zerver/lib/event_types.py): every event type
declares its payload's schema, every payload a test emits is checked against it, and
docs/api.md's list of events is generated from the registry."""

from typing import Literal, NotRequired, TypedDict

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

import stream
from core import events, schemas
from core.models import Event
from stream import eventdoc


def test_every_event_type_declares_a_typeddict_schema():
    missing = [name for name, t in events.all_types().items()
               if t.doc != "test only" and (t.schema is None or t.schema is dict)]
    assert not missing, (f"event types without a payload schema: {missing}; give "
                         "events.register(..., schema=<TypedDict>) in their events.py")


def test_payloads_are_checked_on_every_emit_under_tests():
    assert settings.STREAM_VALIDATE_PAYLOADS, "tests/conftest.py turns payload checks on"


class _Inner(TypedDict):
    code: str
    at: str | None


class _Sample(TypedDict):
    id: int
    ratio: float
    ok: bool
    kind: Literal["a", "b"]
    inner: _Inner
    tags: list[str]
    counts: NotRequired[dict[str, int]]


GOOD = {"id": 1, "ratio": 2, "ok": True, "kind": "a", "inner": {"code": "x", "at": None}, "tags": ["t"]}


@pytest.mark.parametrize(("change", "problem"), [
    ({"id": "1"}, "payload.id is a str, not int"),
    ({"id": True}, "payload.id is a bool, not int"),
    ({"ratio": "2.5"}, "payload.ratio is a str, not a number"),
    ({"ok": 1}, "payload.ok is an int, not bool"),
    ({"kind": "c"}, "payload.kind is 'c', not one of ['a', 'b']"),
    ({"inner": {"code": "x"}}, "payload.inner.at is missing"),
    ({"inner": {"code": "x", "at": 5}}, "payload.inner.at is an int, not str | null"),
    ({"tags": ["t", 3]}, "payload.tags[1] is an int, not str"),
    ({"counts": {"sent": "2"}}, "payload.counts['sent'] is a str, not int"),
    ({"extra": 1}, "payload.extra is not in the schema"),
])
def test_the_validator_names_what_does_not_fit(change, problem):
    assert schemas.problems(GOOD, _Sample) == []
    assert schemas.problems({**GOOD, "counts": {"sent": 2}}, _Sample) == []
    assert problem in schemas.problems({**GOOD, **change}, _Sample)
    assert "payload.id is missing" in schemas.problems({k: v for k, v in GOOD.items() if k != "id"}, _Sample)


def test_a_schema_is_a_typeddict_of_annotations_the_validator_understands():
    with pytest.raises(TypeError, match="TypedDict"):
        events.register("t.schema_wrong", audiences=lambda: [stream.CONSOLE], payload=lambda: {}, schema=list)

    class Odd(TypedDict):
        at: set[str]

    with pytest.raises(TypeError, match="does not understand"):
        events.register("t.schema_odd", audiences=lambda: [stream.CONSOLE], payload=lambda: {}, schema=Odd)
    assert "t.schema_wrong" not in events.all_types() and "t.schema_odd" not in events.all_types()


@pytest.mark.django_db(transaction=True)
def test_emit_refuses_a_payload_its_schema_does_not_describe():
    with pytest.raises(schemas.PayloadMismatch, match=r"handover.created payload does not fit HandoverPayload: "
                                                      r"payload.id is a str"), transaction.atomic():
        stream.emit(audiences=[stream.CONSOLE], type="handover.created",
                    payload={"id": "7", "post": "p", "outgoing": "a", "incoming": "b", "created_at": "2026-12-06",
                             "confirmed_at": None, "incidents": 0, "tasks": 0})
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_emit_refuses_a_type_without_a_schema_under_tests():
    events.register("t.schemaless", audiences=lambda: [stream.CONSOLE], payload=lambda: {}, doc="test only")
    try:
        with pytest.raises(schemas.PayloadMismatch, match="has no payload schema"), transaction.atomic():
            stream.publish("t.schemaless")
    finally:
        events._TYPES.pop("t.schemaless")
    assert not Event.objects.exists()


def test_docs_api_lists_every_event_type_as_the_registry_declares_it():
    text = eventdoc.doc_path().read_text()
    assert eventdoc.rewritten(text) == text, "docs/api.md's stream events are stale: run `manage.py stream_events_doc`"
    for name, event_type in events.all_types().items():
        if event_type.doc != "test only":
            assert f"- `{name}` (" in text, name
    call_command("stream_events_doc", "--check")
