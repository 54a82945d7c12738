"""The one websocket endpoint: replay from the log, then stream live.

The Redis doorbell only says "something new"; every frame is read from the Event table,
so a lost doorbell (Redis restart, a Daphne process dying) costs delay, never an event.
"""

import asyncio
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from core import stream
from core.roles import CONSOLE_ROLES, user_roles
from plans.selectors import is_on_duty

log = logging.getLogger(__name__)

REPLAY_PAGE = 500


@database_sync_to_async
def audiences_for(user) -> list[str]:
    """Console roles see everything; a responder sees their own unit's events only."""
    audiences = [stream.audience_user(user.pk)]
    if user_roles(user) & CONSOLE_ROLES:
        audiences.append(stream.CONSOLE)
    # RelatedObjectDoesNotExist is an AttributeError, so getattr covers users without one.
    responder = getattr(user, "responder", None)
    if responder is not None and responder.resource_id:
        audiences.append(stream.audience_unit(responder.resource_id))
    if is_on_duty(user):
        # Officers on a duty shift get new-incident alerts and escalations (rosters, issue 4).
        audiences.append(stream.DUTY)
    return audiences


@database_sync_to_async
def _fetch(since: int, audiences: list[str]) -> list[dict]:
    return [event.as_frame() for event in stream.events_since(since=since, audiences=audiences, limit=REPLAY_PAGE)]


@database_sync_to_async
def _last_seq() -> int:
    return stream.last_seq()


class StreamConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if self.scope.get("refused") or user is None or not user.is_authenticated:
            await self.close(code=4403)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        try:
            since = int(query["since"][0]) if "since" in query else None
        except ValueError:
            await self.close(code=4400)
            return
        if since is not None and since < 0:
            await self.close(code=4400)
            return
        self.audiences = await audiences_for(user)
        self.groups_joined = [stream.group_name(a) for a in self.audiences]
        self.sent_up_to = since if since is not None else await _last_seq()
        self.send_lock = asyncio.Lock()
        # Join before replaying: an event committed between the replay and the join would
        # otherwise ring no bell here.
        await self._join_groups()
        await self.accept()
        await self._catch_up()
        self.poller = asyncio.create_task(self._poll())

    async def disconnect(self, code):
        poller = getattr(self, "poller", None)
        if poller:
            poller.cancel()
        for group in getattr(self, "groups_joined", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # noqa: BLE001 - Redis may be the reason we are disconnecting
                pass

    async def receive_json(self, content, **kwargs):
        # Clients only listen; a ping keeps proxies from closing an idle socket.
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def stream_doorbell(self, message):
        if message["seq"] > self.sent_up_to:
            await self._catch_up()

    async def _join_groups(self):
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)

    async def _refresh_audiences(self):
        audiences = await audiences_for(self.scope["user"])
        if audiences == self.audiences:
            return
        groups = [stream.group_name(a) for a in audiences]
        for group in set(self.groups_joined) - set(groups):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.audiences, self.groups_joined = audiences, groups

    async def _catch_up(self):
        async with self.send_lock:
            while True:
                frames = await _fetch(self.sent_up_to, self.audiences)
                for frame in frames:
                    await self.send_json(frame)
                    self.sent_up_to = frame["seq"]
                if len(frames) < REPLAY_PAGE:
                    return

    async def _poll(self):
        """Safety net for lost doorbells; also re-joins groups a Redis restart forgot, and
        follows audience changes (a duty shift starting or ending) without a reconnect."""
        while True:
            await asyncio.sleep(settings.STREAM_POLL_S)
            try:
                await self._refresh_audiences()
                await self._join_groups()
            except Exception:  # noqa: BLE001 - Redis down: keep polling the database
                log.info("stream: cannot re-join groups, Redis unavailable")
            try:
                await self._catch_up()
            except Exception:  # noqa: BLE001
                log.warning("stream: catch-up failed", exc_info=True)
