"""The one websocket endpoint: replay from the log, then stream live through the process's hub.

The Redis doorbell only says "something new"; every frame is read from the Event table, so a
lost doorbell (Redis restart, a Daphne process dying) costs delay, never an event. A socket
reads the database itself only to replay after (re)connecting; live frames come from the hub
(stream.hub), which reads each new event once for the whole process.

Clients only listen. What they send is bounded: frames over STREAM_CLIENT_MAX_FRAME bytes close
the socket with 1009, more than STREAM_CLIENT_RATE frames a second (burst STREAM_CLIENT_BURST)
with 4429; anything that is not a JSON object is answered with an error frame and the socket
stays open. A client that stops reading is dropped with 4408 (stream.daphne) rather than buffered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from stream import hub as streamhub
from stream.hub import (
    CLOSE_BAD_REQUEST,
    CLOSE_FLOOD,
    CLOSE_FORBIDDEN,
    CLOSE_TOO_BIG,
    ReplayBuffer,
    audiences_for,
    fetch_frames,
    fingerprint,
    get_hub,
    prepare_socket,
    socket_db,
)

log = logging.getLogger(__name__)

__all__ = ["StreamConsumer", "audiences_for"]

REPLAY_PAGE = streamhub.FETCH_PAGE
MAX_SEQ = 2**63 - 1  # bigint

PONG = json.dumps({"type": "pong"})


class StreamConsumer(AsyncWebsocketConsumer):
    # No channel of its own: the process's hub listens to Redis for every socket, so Redis holds
    # one channel per process, not one per socket, and a doorbell is one message per process.
    channel_layer_alias = "stream-sockets-have-no-channel"

    closed = True
    replay: ReplayBuffer | None = None

    async def connect(self):
        user = self.scope.get("user")
        if self.scope.get("refused") or user is None or not user.is_authenticated:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        since = self._since()
        if since == "bad":
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        audiences, newest, lost_after = await socket_db(prepare_socket, user.pk, since)
        if audiences is None:  # deactivated between the handshake's authentication and now
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if since is not None and lost_after is not None:
            # The client's seq came from a history that a restore from a backup dropped
            # (core.StreamRestore, issue 26): what it shows may never have happened now, and
            # resuming would be silent about it. Reload, as for a seq past the end of the log.
            log.info("stream: refused since=%s from before a restore (log kept up to %s)", since, lost_after)
            await self.accept()
            await self.close(code=CLOSE_BAD_REQUEST,
                             reason=f"the database was restored from a backup up to seq {lost_after}: reload")
            return
        if since is not None and since > newest:
            # A seq the log never had (a client of another database, a typo): refusing says so;
            # accepting would mute the socket, since every real event has a lower seq.
            # Accepted first so that the client (a browser too) sees the code and the reason.
            log.info("stream: refused since=%s past the end of the log (%s)", since, newest)
            await self.accept()
            await self.close(code=CLOSE_BAD_REQUEST, reason=f"since is past the end of the log (last seq {newest})")
            return
        self.user_id = user.pk
        session = self.scope.get("session") if self.scope.get("auth_method") == "session" else None
        self.session_key = session.session_key if session is not None else None
        self.token_key = self.scope.get("token_key")
        self.session_fp = fingerprint(self.session_key) if self.session_key else None
        self.token_fp = fingerprint(self.token_key) if self.token_key else None
        self.audiences = audiences
        self.sent_up_to = newest if since is None else since
        self.allowance, self.allowance_at = float(settings.STREAM_CLIENT_BURST), time.monotonic()
        self.hub = get_hub()
        # Register before replaying: whatever the hub fans out from now on is buffered, and
        # whatever it fanned out before was committed before the replay below reads the log.
        self.replay = ReplayBuffer(settings.STREAM_REPLAY_BUFFER)
        self.closed = False
        await self.hub.register(self)
        await self.accept()
        # The replay runs beside the frame handling, not before it: a client that floods frames
        # right after the handshake meets the rate limit at once instead of queueing frames in
        # Daphne for as long as the replay takes.
        self.replaying = asyncio.create_task(self._replay_safely())

    async def _replay_safely(self):
        try:
            await self._replay_then_go_live()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the database went away mid-replay: the client resumes
            log.warning("stream: replay failed; closing so the client resumes", exc_info=True)
            await self.end(1011, "replay failed")

    def _since(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        if "since" not in query:
            return None
        raw = query["since"][0]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_SEQ:
            return "bad"
        return int(raw)

    async def _replay_then_go_live(self):
        replay = self.replay
        while True:
            if replay.overflowed:
                replay.overflowed = False
                replay.frames.clear()
            while True:
                rows = await fetch_frames(self.sent_up_to, self.audiences)
                for seq, _event_audiences, _type, _payload, text in rows:
                    if self.closed:
                        return
                    await self.send(text_data=text)
                    self.sent_up_to = seq
                if len(rows) < REPLAY_PAGE:
                    break
            if replay.overflowed:
                continue
            while replay.frames and not replay.overflowed and not self.closed:
                seq, text = replay.frames.popleft()
                if seq > self.sent_up_to:
                    await self.send(text_data=text)
                    self.sent_up_to = seq
            if not replay.overflowed:
                self.replay = None  # live: the hub sends from now on
                return

    async def offer(self, seq: int, text: str) -> None:
        """Called by the hub, in seq order, for each live event of this socket's audiences."""
        if self.closed:
            return
        if self.replay is not None:
            self.replay.add(seq, text)
            return
        if seq > self.sent_up_to:
            self.sent_up_to = seq
            try:
                await self.send(text_data=text)
            except Exception:  # noqa: BLE001 - the connection is already gone
                await self.end(1011, "send failed")

    def _stop_replay(self) -> None:
        task = getattr(self, "replaying", None)
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

    async def end(self, code: int, reason: str = "") -> None:
        """Leave the hub and close with `code` (the hub calls this when the account changes)."""
        if self.closed:
            return
        self.closed = True
        self._stop_replay()
        self.hub.unregister(self)
        log.info("stream: closing socket of user %s: %s (%s)", getattr(self, "user_id", None), reason, code)
        try:
            await self.close(code=code, reason=reason[:120] or None)
        except Exception:  # noqa: BLE001
            pass

    async def disconnect(self, code):
        if not self.closed:
            self.closed = True
            self._stop_replay()
            self.hub.unregister(self)

    async def websocket_receive(self, message):
        if self.closed:
            return
        now = time.monotonic()
        self.allowance = min(float(settings.STREAM_CLIENT_BURST),
                             self.allowance + (now - self.allowance_at) * settings.STREAM_CLIENT_RATE)
        self.allowance_at = now
        if self.allowance < 1:
            await self.end(CLOSE_FLOOD, "too many frames")
            return
        self.allowance -= 1
        text = message.get("text")
        if text is None:
            await self._error("binary_frame", "binary frames are not understood; send JSON text frames")
            return
        if len(text) > settings.STREAM_CLIENT_MAX_FRAME:
            await self.end(CLOSE_TOO_BIG, "frame too large")
            return
        try:
            content = json.loads(text)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self._error("malformed_frame", 'frames are JSON objects, e.g. {"type": "ping"}')
            return
        # Clients only listen; a ping keeps proxies from closing an idle socket. Anything else is ignored.
        if content.get("type") == "ping":
            await self.send(text_data=PONG)

    async def _error(self, code: str, detail: str) -> None:
        await self.send(text_data=json.dumps({"type": "error", "error": code, "detail": detail}))
