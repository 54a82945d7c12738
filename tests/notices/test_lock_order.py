"""An escalation emits its event and then queues its SMS (the pacer's row); a notice queues its
SMS and then emits. Both now take the stream's lock before the pacer's row (stream.
hold_emitters_lock in notices' pacing), so two at once wait for each other instead of
deadlocking: the clean-clone CI lost an escalation to "deadlock detected" this way."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

import stream
from notices import services


@pytest.mark.django_db(transaction=True)
def test_an_escalation_and_a_notice_queueing_sms_at_once_do_not_deadlock():
    emitted = threading.Event()
    errors, done = [], []

    def escalation_like():
        try:
            with transaction.atomic():
                stream.emit(audiences=["console"], type="t.x", payload={"i": 1})  # the stream's lock
                emitted.set()
                time.sleep(0.5)  # let the other transaction reach the pacer first, as in CI
                services._slots(1)  # then the pacer's row
            done.append("escalation")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    def notice_like():
        try:
            emitted.wait(10)
            with transaction.atomic():
                services._slots(1)  # the pacer's row first
                stream.emit(audiences=["console"], type="t.x", payload={"i": 2})
            done.append("notice")
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connection.close()

    close_old_connections()
    threads = [threading.Thread(target=escalation_like), threading.Thread(target=notice_like)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(done) == ["escalation", "notice"]
