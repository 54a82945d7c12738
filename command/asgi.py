import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "command.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from command.consumers import StreamConsumer  # noqa: E402
from command.wsauth import StreamAuthMiddleware  # noqa: E402

websocket_urlpatterns = [path("ws/stream/", StreamConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": StreamAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
