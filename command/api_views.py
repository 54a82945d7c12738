from rest_framework.decorators import api_view
from rest_framework.response import Response

from resources.roles import user_roles


@api_view(["GET"])
def me(request):
    responder = getattr(request.user, "responder", None)
    return Response({
        "username": request.user.username,
        "roles": sorted(user_roles(request.user)),
        "resource": responder.resource_id if responder else None,
    })
