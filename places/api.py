"""Address search over the gazetteer and the base map as GeoJSON. Thin: parse, select."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import role_permission
from core.roles import CONSOLE_ROLES
from places import selectors
from places.models import BasemapFeature


class PlaceSearch(APIView):
    """`GET /api/v1/places/?q=新城大道` → the best matching places of the district's gazetteer."""

    permission_classes = [role_permission(*CONSOLE_ROLES)]

    @extend_schema(parameters=[OpenApiParameter("q", str, description=_("Name or address, fuzzy (pg_trgm).")),
                               OpenApiParameter("limit", int)],
                   responses=inline_serializer("Place", {
                       "id": serializers.IntegerField(),
                       "name": serializers.CharField(),
                       "kind": serializers.CharField(),
                       "kind_label": serializers.CharField(),
                       "address": serializers.CharField(allow_blank=True),
                       "town": serializers.CharField(allow_blank=True),
                       "score": serializers.FloatField(),
                       "location": serializers.JSONField(help_text="GeoJSON Point ([lon, lat])"),
                   }, many=True))
    def get(self, request):
        query = request.query_params.get("q", "")
        if "\x00" in query:
            raise ValidationError({"q": [_("The search text contains a NUL character.")]})
        try:
            limit = max(1, min(int(request.query_params.get("limit", 10)), 50))
        except ValueError:
            raise ValidationError({"limit": [_("A whole number from 1 to 50.")]}) from None
        rows = selectors.places_search(query=query, limit=limit)
        return Response([{"id": r["id"], "name": r["name"], "kind": r["kind"], "kind_label": r["kind_label"],
                          "address": r["address"], "town": r["town"], "score": r["score"],
                          "location": {"type": "Point", "coordinates": [r["lon"], r["lat"]]}} for r in rows])


class Basemap(APIView):
    """`GET /api/v1/basemap/?bbox=&layers=` → the district drawn from its own GIS data (RFC 7946)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("bbox", str, description="minlon,minlat,maxlon,maxlat"),
                               OpenApiParameter("layers", str, description=", ".join(BasemapFeature.Layer.values))],
                   responses={(200, "application/geo+json"): OpenApiTypes.OBJECT})
    def get(self, request):
        bbox = None
        if request.query_params.get("bbox"):
            try:
                bbox = tuple(float(v) for v in request.query_params["bbox"].split(","))
                if len(bbox) != 4 or not (bbox[0] <= bbox[2] and bbox[1] <= bbox[3]):
                    raise ValueError
            except ValueError:
                raise ValidationError({"bbox": [_("bbox is minlon,minlat,maxlon,maxlat in decimal degrees.")]}) from None
        layers = [v for v in request.query_params.get("layers", "").split(",") if v] or None
        if layers and any(v not in BasemapFeature.Layer.values for v in layers):
            raise ValidationError({"layers": [_("Layers are among: %(l)s.") % {"l": ", ".join(BasemapFeature.Layer.values)}]})
        body = selectors.basemap_geojson(bbox=bbox, layers=layers)
        response = HttpResponse(body, content_type="application/geo+json")
        response["Cache-Control"] = "private, max-age=300"
        return response
