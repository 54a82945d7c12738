"""GeoJSON shapes every app's API and events share."""

POINT_SCHEMA = {
    "type": "object", "description": "GeoJSON Point, [longitude, latitude] in WGS 84.",
    "properties": {"type": {"type": "string", "enum": ["Point"]},
                   "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}},
    "required": ["type", "coordinates"],
}


def point(geom) -> dict:
    """A GeoJSON Point (RFC 7946: [lon, lat]; seven decimals, about a centimetre)."""
    return {"type": "Point", "coordinates": [round(geom.x, 7), round(geom.y, 7)]}
