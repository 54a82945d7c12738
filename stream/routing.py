"""The websocket side of the ASGI application: one endpoint, behind the stream's handshake."""

from channels.routing import URLRouter
from django.urls import path

from stream import daphne
from stream.consumer import StreamConsumer
from stream.wsauth import StreamAuthMiddleware

websocket_urlpatterns = [path("ws/stream/", StreamConsumer.as_asgi())]


def websocket_application():
    """The stream's websocket application; applies the Daphne patches it relies on."""
    daphne.apply()
    return StreamAuthMiddleware(URLRouter(websocket_urlpatterns))
