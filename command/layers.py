"""GET /api/v1/layers/<name>/: the map layers of core.layers' registry, as RFC 7946 GeoJSON.

The shell knows no app's tables: each app registers its layers in its own `layers.py`
(docs/architecture.md, "Layers"); this view finds the layer, checks the role it asks for,
parses the bbox and hands the query parameters to the layer, which parses its own strictly.
"""

from __future__ import annotations

from django.http import HttpResponse, QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer

from core import layers, params
from core.api import role_permission

CONTENT_TYPE = layers.CONTENT_TYPE


def feature_collection(name: str, *, bbox: tuple[float, float, float, float] | None = None,
                       query: QueryDict | None = None) -> str:
    """The layer as RFC 7946 GeoJSON text, straight from PostgreSQL."""
    return layers.get(name).build(query=query if query is not None else QueryDict(), bbox=bbox)


class GeoJSONRenderer(JSONRenderer):
    """Lets clients ask for application/geo+json (DRF answers 406 to media types it has no
    renderer for); error bodies stay plain JSON objects."""

    media_type = CONTENT_TYPE
    format = "geojson"


FEATURE_COLLECTION_SCHEMA = {
    "type": "object", "description": "RFC 7946 FeatureCollection",
    "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                   "features": {"type": "array", "items": {"type": "object", "properties": {
                       "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "integer"},
                       "geometry": {"type": "object", "nullable": True}, "properties": {"type": "object"}}}}},
    "required": ["type", "features"],
}


def _schema_parameters() -> list[OpenApiParameter]:
    # This module is imported with the URLconf, after core.apps has imported every app's layers.
    descriptions: dict[str, set[str]] = {}
    for layer in layers.all_layers().values():
        for key, text in layer.params.items():
            descriptions.setdefault(key, set()).add(f"{layer.name}: {text}")
    return [
        OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(layers.all_layers())),
        OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat"),
        *[OpenApiParameter(key, str, description="; ".join(sorted(texts))) for key, texts in sorted(descriptions.items())],
    ]


@extend_schema(
    summary="A map layer as GeoJSON",
    parameters=_schema_parameters(),
    responses={200: OpenApiResponse(FEATURE_COLLECTION_SCHEMA), 400: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
@renderer_classes([GeoJSONRenderer, JSONRenderer])
@permission_classes([IsAuthenticated])
def layer(request, name):
    found = layers.get(name)
    allowed = role_permission(*found.roles)()
    if not allowed.has_permission(request, None):
        raise PermissionDenied(allowed.message)
    bbox = params.parse_bbox(request.query_params.get("bbox"))
    response = HttpResponse(found.build(query=request.query_params, bbox=bbox), content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
