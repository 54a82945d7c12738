"""The ASGI entry point (Daphne: `command.asgi:application`): Django's views over HTTP, the live
stream (stream.routing) over websockets."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "command.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from stream.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application()})
