"""Import the district's own GIS data with GDAL: any vector format GDAL reads (GeoJSON,
Shapefile, GeoPackage, …), in any coordinate system it knows, reprojected to WGS 84.

    manage.py import_gis roads.shp --into basemap --layer road --name-field NAME
    manage.py import_gis boundary.geojson --into basemap --layer boundary --replace
    manage.py import_gis villages.geojson --into gazetteer --kind village --name-field name --town-field town
    manage.py import_gis tanks.geojson --into structures --kind tank --height-field height
    manage.py import_gis roads.gpkg --into roads --class-field highway --speed-field maxspeed \
        --hazmat-field hazmat --oneway-field oneway --replace

Roads become the routing network (roads app): each line is cut into edges at its vertices, and
lines meet where they share a vertex (roads.services).
"""

import math

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from places import gis_targets
from places.models import BasemapFeature, Place, Structure
from roads.models import RoadClass
from roads.services import EdgeInput, edges_import

TRUE_WORDS = {"1", "yes", "y", "true", "t", "是"}


class Command(BaseCommand):
    help = "Import base map features or gazetteer places from a GeoJSON, Shapefile or other GDAL vector file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file (a .shp with its .dbf/.shx/.prj beside it, a .geojson, …).")
        # Targets registered by apps above (places.gis_targets): park-zones, gates, …
        parser.add_argument("--into", choices=["basemap", "gazetteer", "structures", "roads", *gis_targets.names()],
                            required=True)
        parser.add_argument("--layer", choices=BasemapFeature.Layer.values,
                            help="Base map layer the features belong to (with --into basemap).")
        parser.add_argument("--kind", choices=sorted({*Place.Kind.values, *Structure.Kind.values}),
                            help="Kind of place (with --into gazetteer) or of structure (with --into structures).")
        parser.add_argument("--height-field", default="height",
                            help="Attribute holding a structure's height in metres (with --into structures).")
        parser.add_argument("--base-field", default=None,
                            help="Attribute holding a structure's base above the ground in metres (pipe racks).")
        parser.add_argument("--class-field", default=None,
                            help=f"Attribute holding the road class (with --into roads: {', '.join(RoadClass.values)}; "
                                 f"others count as tertiary).")
        parser.add_argument("--speed-field", default=None, help="Attribute holding the speed limit in km/h.")
        parser.add_argument("--hazmat-field", default=None,
                            help="Attribute saying the road is open to hazardous goods (1/yes/true/是).")
        parser.add_argument("--oneway-field", default=None,
                            help="Attribute saying the road is one-way (1/yes/true/是; -1: against the drawing).")
        parser.add_argument("--source-layer", default=None, help="Layer of the file to read (default: the first).")
        parser.add_argument("--name-field", default="name", help="Attribute holding the name (default: name).")
        parser.add_argument("--address-field", default=None)
        parser.add_argument("--town-field", default=None)
        parser.add_argument("--aliases-field", default=None)
        parser.add_argument("--srid", type=int, default=None,
                            help="Coordinate system of a file that does not declare one (default: 4326).")
        parser.add_argument("--replace", action="store_true",
                            help="Delete what this layer or kind held before (one transaction).")

    def handle(self, *args, **opts):
        if opts["into"] == "basemap" and not opts["layer"]:
            raise CommandError(f"--into basemap needs --layer (one of: {', '.join(BasemapFeature.Layer.values)}).")
        if opts["into"] == "structures" and opts["kind"] not in Structure.Kind.values:
            raise CommandError(f"--into structures needs --kind (one of: {', '.join(Structure.Kind.values)}).")
        if opts["into"] == "gazetteer" and opts["kind"] not in Place.Kind.values:
            raise CommandError(f"--into gazetteer needs --kind (one of: {', '.join(Place.Kind.values)}).")
        try:
            source = DataSource(opts["path"])
        except GDALException as exc:
            raise CommandError(f"GDAL cannot read {opts['path']}: {exc}") from None
        try:
            layer = source[opts["source_layer"]] if opts["source_layer"] else source[0]
        except (GDALException, IndexError, KeyError):
            names = ", ".join(lyr.name for lyr in source)
            raise CommandError(f"No layer {opts['source_layer']!r} in the file; it has: {names}.") from None
        fields = layer.fields
        for option in ("name_field", "address_field", "town_field", "aliases_field"):
            if opts[option] and opts[option] not in fields:
                if option == "name_field" and opts["into"] in ("basemap", "structures"):
                    opts[option] = None  # base map shapes and structures may be nameless
                    continue
                raise CommandError(f"No attribute {opts[option]!r}; the file has: {', '.join(fields)}.")
        registered = gis_targets.importer(opts["into"])
        if registered is not None:
            features = [(index, self._geometry(feature, opts),
                         {name: self._value(feature, name) for name in fields})
                        for index, feature in enumerate(layer)]
            try:
                with transaction.atomic():
                    self.stdout.write(registered(features, **opts))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            return
        if opts["into"] == "roads":
            for option in ("class_field", "speed_field", "hazmat_field", "oneway_field"):
                if opts[option] and opts[option] not in fields:
                    raise CommandError(f"No attribute {opts[option]!r}; the file has: {', '.join(fields)}.")
            return self._roads(layer, opts)
        if opts["into"] == "structures":
            for option in ("height_field", "base_field"):
                if opts[option] and opts[option] not in fields:
                    raise CommandError(f"No attribute {opts[option]!r} for the heights; the file has: "
                                       f"{', '.join(fields)}.")
            return self._structures(layer, opts)
        with transaction.atomic():
            if opts["replace"]:
                if opts["into"] == "basemap":
                    BasemapFeature.objects.filter(layer=opts["layer"]).delete()
                else:
                    Place.objects.filter(kind=opts["kind"]).delete()
            count = skipped = 0
            for feature in layer:
                geometry = self._geometry(feature, opts)
                if geometry is None:
                    skipped += 1
                    continue
                name = self._value(feature, opts["name_field"])
                if opts["into"] == "basemap":
                    if opts["layer"] in ("boundary", "town") and isinstance(geometry, Polygon):
                        geometry = MultiPolygon(geometry, srid=4326)
                    BasemapFeature.objects.create(layer=opts["layer"], name=name[:200], geometry=geometry,
                                                  source=opts["path"][-100:])
                else:
                    if not name:
                        skipped += 1
                        continue
                    point = geometry if geometry.geom_type == "Point" else geometry.point_on_surface
                    Place.objects.create(kind=opts["kind"], name=name[:200], location=point,
                                         address=self._value(feature, opts["address_field"])[:300],
                                         town=self._value(feature, opts["town_field"])[:100],
                                         aliases=self._value(feature, opts["aliases_field"])[:300],
                                         source=opts["path"][-100:])
                count += 1
        self.stdout.write(f"Imported {count} feature(s) into {opts['into']}; skipped {skipped} without "
                          f"{'a geometry' if opts['into'] == 'basemap' else 'a geometry or a name'}.")

    def _structures(self, layer, opts):
        """Footprints with heights. A feature without a polygon or a plausible height (a number
        above 0 and up to 1,000 m, its base below its top) is skipped and counted, never guessed."""
        count, skipped = 0, []
        with transaction.atomic():
            if opts["replace"]:
                Structure.objects.filter(kind=opts["kind"]).delete()
            for index, feature in enumerate(layer):
                geometry = self._geometry(feature, opts)
                if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
                    skipped.append(f"#{index + 1}: no polygon")
                    continue
                height = self._number(feature, opts["height_field"])
                base = self._number(feature, opts["base_field"]) if opts["base_field"] else 0.0
                if height is None or not 0 < height <= 1000:
                    skipped.append(f"#{index + 1}: height {self._value(feature, opts['height_field'])!r}")
                    continue
                if base is None or not 0 <= base < height:
                    skipped.append(f"#{index + 1}: base {self._value(feature, opts['base_field'])!r}")
                    continue
                if isinstance(geometry, Polygon):
                    geometry = MultiPolygon(geometry, srid=4326)
                Structure.objects.create(kind=opts["kind"], name=self._value(feature, opts["name_field"])[:200],
                                         footprint=geometry, height_m=height, base_m=base,
                                         source=opts["path"][-100:])
                count += 1
        self.stdout.write(f"Imported {count} structure(s); skipped {len(skipped)}"
                          + (f" ({'; '.join(skipped[:10])})." if skipped else "."))

    def _roads(self, layer, opts):
        """Road lines for routing: a feature without a line is skipped and counted; an unknown
        class counts as tertiary, a speed limit that is no number from 1 to 200 as none."""
        lines, skipped = [], 0
        for feature in layer:
            geometry = self._geometry(feature, opts)
            if geometry is None or geometry.geom_type not in ("LineString", "MultiLineString"):
                skipped += 1
                continue
            road_class = self._value(feature, opts["class_field"]).lower()
            speed = self._number(feature, opts["speed_field"]) if opts["speed_field"] else None
            oneway = self._value(feature, opts["oneway_field"]).lower()
            parts = [geometry] if geometry.geom_type == "LineString" else list(geometry)
            for part in parts:
                if oneway == "-1":
                    part.reverse()  # in place: the edge is drawn the way the traffic goes
                lines.append(EdgeInput(
                    geometry=part, name=self._value(feature, opts["name_field"])[:200],
                    road_class=road_class if road_class in RoadClass.values else RoadClass.TERTIARY,
                    speed_limit_kmh=int(speed) if speed is not None and 1 <= speed <= 200 else None,
                    hazmat_allowed=self._value(feature, opts["hazmat_field"]).lower() in TRUE_WORDS,
                    oneway=oneway in TRUE_WORDS or oneway == "-1"))
        count = edges_import(lines=lines, origin=opts["path"][-100:], replace=opts["replace"])
        self.stdout.write(f"Imported {len(lines)} road line(s) as {count} edge(s); skipped {skipped} without a line.")

    def _number(self, feature, field) -> float | None:
        text = self._value(feature, field)
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    def _geometry(self, feature, opts):
        try:
            ogr = feature.geom
        except GDALException:
            return None
        if ogr is None:
            return None
        if ogr.srs is None:
            ogr.srid = opts["srid"] or 4326
        if ogr.srid != 4326:
            ogr.transform(4326)
        geometry = GEOSGeometry(ogr.wkb, srid=4326)
        return None if geometry.empty else geometry

    @staticmethod
    def _value(feature, field) -> str:
        if not field:
            return ""
        value = feature.get(field)
        return "" if value is None else str(value).strip()
