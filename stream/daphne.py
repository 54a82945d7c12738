"""Patches to Daphne, each behind a version fence (tests/house/test_library_internals.py).

Applied once, when command.asgi loads stream.routing (as Daphne loading the application does).
Daphne and Twisted are pinned to the tested minor versions in pyproject.toml because these
wrap their classes.
"""

import logging
import time

from django.conf import settings

from stream import collector
from stream.hub import CLOSE_FLOOD, CLOSE_SLOW_READER

log = logging.getLogger("stream.hub")


class _SlowReaderGuard:
    """Twisted push producer on a Daphne websocket: Twisted pauses it when the socket's send
    buffer is full (the client stopped reading) and resumes it when the buffer drains. Paused
    for STREAM_SLOW_READER_S means a client that is not reading: drop it with 4408 instead of
    buffering its frames without bound. It reconnects and resumes with ?since=."""

    def __init__(self, protocol):
        self.protocol = protocol
        self.timer = None

    def pauseProducing(self):  # noqa: N802 - Twisted's IPushProducer
        from twisted.internet import reactor

        if self.timer is None:
            self.timer = reactor.callLater(settings.STREAM_SLOW_READER_S, self._drop)

    def resumeProducing(self):  # noqa: N802
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None

    def stopProducing(self):  # noqa: N802
        self.resumeProducing()

    def _drop(self):
        self.timer = None
        log.warning("stream: dropping a websocket that stopped reading (%s)", getattr(self.protocol, "client_addr", ""))
        try:
            self.protocol.sendClose(code=CLOSE_SLOW_READER, reason="slow reader")
        finally:
            # The close frame waits behind everything unread; do not wait for it.
            self.protocol.dropConnection(abort=True)


def _guard_daphne_websockets():
    try:
        from daphne.ws_protocol import WebSocketProtocol
        from twisted.internet.interfaces import IPushProducer
        from zope.interface import classImplements
    except ImportError:  # not served by Daphne (tests through Channels' communicator)
        return
    if getattr(WebSocketProtocol, "_slow_reader_guarded", False):
        return
    classImplements(_SlowReaderGuard, IPushProducer)
    on_open = WebSocketProtocol.onOpen

    def onOpen(self):  # noqa: N802
        on_open(self)
        try:
            self.registerProducer(_SlowReaderGuard(self), True)
        except Exception:  # noqa: BLE001 - a transport that already has a producer keeps it
            log.debug("stream: no slow-reader guard on this transport", exc_info=True)

    WebSocketProtocol.onOpen = onOpen

    # The same rate limit as the consumer's, at twice its burst, before Daphne's unbounded
    # application queue: a flood read faster than the consumer can answer it is cut off here
    # (4429, further frames muted) instead of queueing in memory.
    on_message = WebSocketProtocol.onMessage

    def onMessage(self, payload, isBinary):  # noqa: N802
        now = time.monotonic()
        burst = 2 * settings.STREAM_CLIENT_BURST
        allowance = min(burst, getattr(self, "_allowance", burst)
                        + (now - getattr(self, "_allowance_at", now)) * settings.STREAM_CLIENT_RATE)
        self._allowance, self._allowance_at = allowance - 1, now
        if allowance < 1:
            if not self.muted:
                if getattr(self, "application_queue", None) is not None:
                    # Muted protocols send the application no disconnect: tell it now.
                    self.application_queue.put_nowait({"type": "websocket.disconnect", "code": CLOSE_FLOOD})
                self.muted = True
                log.warning("stream: muting a websocket that floods frames (%s)", getattr(self, "client_addr", ""))
                self.sendClose(code=CLOSE_FLOOD, reason="too many frames")
            return
        on_message(self, payload, isBinary)

    WebSocketProtocol.onMessage = onMessage
    WebSocketProtocol._slow_reader_guarded = True



def _leave_forms_to_django():
    """Twisted's Request parses every multipart POST body into `args` (which Daphne never
    uses) and answers a malformed one itself with a bare 400, no headers, no body, before
    Django sees it. Turn that off: Django and DRF parse the body and answer a JSON error."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:
        return
    if getattr(WebRequest, "_forms_left_to_django", False):
        return
    init = WebRequest.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False

    WebRequest.__init__ = __init__
    WebRequest._forms_left_to_django = True


def apply() -> None:
    _guard_daphne_websockets()
    _leave_forms_to_django()
    collector.install()
