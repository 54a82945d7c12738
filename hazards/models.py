from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from hazards import grading


class Enterprise(models.Model):
    """A hazardous-chemical enterprise, mostly in the chemical park."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("safety contact"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    in_chemical_park = models.BooleanField(_("in the chemical park"), default=True)
    location = models.PointField(_("location"), srid=4326, geography=True)
    site = models.MultiPolygonField(_("site boundary"), srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self):
        return self.name


HAZARD_CLASS_CHOICES = [(code, f"{code} {row['label']}") for code, row in grading.hazard_classes().items()]


class Chemical(models.Model):
    """A hazardous chemical with its levels of concern (60-minute, ppm) and GB 18218 data."""

    name = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    cas = models.CharField(_("CAS number"), max_length=16, unique=True)
    un_number = models.CharField(_("UN number"), max_length=8, blank=True)
    molecular_weight = models.FloatField(_("molecular weight (g/mol)"))
    aegl1 = models.FloatField(_("AEGL-1 (ppm, 60 min)"), null=True, blank=True)
    aegl2 = models.FloatField(_("AEGL-2 (ppm, 60 min)"), null=True, blank=True)
    aegl3 = models.FloatField(_("AEGL-3 (ppm, 60 min)"), null=True, blank=True)
    erpg1 = models.FloatField(_("ERPG-1 (ppm)"), null=True, blank=True)
    erpg2 = models.FloatField(_("ERPG-2 (ppm)"), null=True, blank=True)
    erpg3 = models.FloatField(_("ERPG-3 (ppm)"), null=True, blank=True)
    critical_quantity_t = models.FloatField(_("GB 18218 critical quantity (t)"), null=True, blank=True)
    beta = models.FloatField(_("GB 18218 correction factor β"), default=1.0)
    # For a chemical GB 18218 Table 1 does not name: its hazard class in Table 2 gives the
    # critical quantity (and Table 4 its β), so it still counts towards Σq/Q (hazards.grading).
    hazard_class = models.CharField(_("GB 18218 Table 2 hazard class"), max_length=8, blank=True,
                                    choices=HAZARD_CLASS_CHOICES)
    dense_gas = models.BooleanField(
        _("dense gas"), default=False,
        help_text=_("Heavier than air when released: outside the Gaussian plume model's validity."))
    source = models.TextField(_("source of the values"), blank=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("chemical")
        verbose_name_plural = _("chemicals")
        constraints = [
            models.CheckConstraint(condition=models.Q(molecular_weight__gt=0), name="chemical_mw_positive"),
            models.CheckConstraint(condition=models.Q(beta__gt=0), name="chemical_beta_positive"),
            models.CheckConstraint(
                condition=models.Q(critical_quantity_t__isnull=True) | models.Q(critical_quantity_t__gt=0),
                name="chemical_critical_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.name} {self.name_en} ({self.cas})"


class Grade(models.IntegerChoices):
    """GB 18218-2018 §4.2.3: 一级 is the most dangerous."""

    ONE = 1, _("Grade 1 (一级)")
    TWO = 2, _("Grade 2 (二级)")
    THREE = 3, _("Grade 3 (三级)")
    FOUR = 4, _("Grade 4 (四级)")


class RiskSource(models.Model):
    """An installation (storage area, production unit) holding hazardous chemicals.

    The grading fields are derived from the stored quantities by
    hazards.services.risk_source_regrade and kept on the row so the list, the map and the
    API can filter and sort on them without recomputing.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="risk_sources",
                                   verbose_name=_("enterprise"))
    installation = models.CharField(_("installation"), max_length=200, blank=True,
                                    help_text=_("The unit or storage area, e.g. tank farm T-101."))
    location = models.PointField(_("location"), srid=4326, geography=True)
    footprint = models.PolygonField(_("footprint"), srid=4326, null=True, blank=True)
    people_within_500m = models.PositiveIntegerField(_("people within 500 m"), default=0)
    sum_q_ratio = models.FloatField(_("Σq/Q"), default=0, editable=False)
    alpha = models.FloatField(_("α"), default=0.5, editable=False)
    r_value = models.FloatField(_("R"), default=0, editable=False, db_index=True)
    is_major = models.BooleanField(_("major hazard source"), default=False, editable=False, db_index=True)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices, null=True, blank=True,
                                             editable=False, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("risk source")
        verbose_name_plural = _("risk sources")

    def __str__(self):
        return f"{self.code} {self.name}"


class StoredChemical(models.Model):
    """A chemical held at a risk source, with its design maximum quantity (q in GB 18218)."""

    risk_source = models.ForeignKey(RiskSource, on_delete=models.CASCADE, related_name="stored",
                                    verbose_name=_("risk source"))
    chemical = models.ForeignKey(Chemical, on_delete=models.PROTECT, related_name="+", verbose_name=_("chemical"))
    quantity_t = models.FloatField(_("design maximum quantity (t)"))

    class Meta:
        ordering = ["risk_source", "chemical"]
        verbose_name = _("stored chemical")
        verbose_name_plural = _("stored chemicals")
        constraints = [
            models.UniqueConstraint(fields=["risk_source", "chemical"], name="stored_chemical_once"),
            models.CheckConstraint(condition=models.Q(quantity_t__gte=0), name="stored_quantity_not_negative"),
        ]

    def __str__(self):
        return f"{self.chemical.name} {self.quantity_t:g} t"


class SensitiveTarget(models.Model):
    """A place whose people need protecting first: schools, hospitals, care homes, housing."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        HOSPITAL = "hospital", _("Hospital")
        CARE_HOME = "care_home", _("Care home")
        RESIDENTIAL = "residential", _("Residential area")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    location = models.PointField(_("location"), srid=4326, geography=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("sensitive target")
        verbose_name_plural = _("sensitive targets")

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class HazardZone(models.Model):
    """A mapped natural or technological hazard area (flood plain, landslide slope, chemical park)."""

    class Kind(models.TextChoices):
        FLOOD = "flood", _("Flood")
        LANDSLIDE = "landslide", _("Landslide")
        STORM_SURGE = "storm_surge", _("Storm surge")
        CHEMICAL = "chemical", _("Chemical")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    level = models.CharField(_("risk level"), max_length=16, blank=True)
    description = models.TextField(_("description"), blank=True)
    boundary = models.MultiPolygonField(_("boundary"), srid=4326)

    class Meta:
        ordering = ["code"]
        verbose_name = _("hazard zone")
        verbose_name_plural = _("hazard zones")

    def __str__(self):
        return self.name


class Release(models.Model):
    """One toxic-release scenario as modelled, with its inputs, kept for the record."""

    class Terrain(models.TextChoices):
        RURAL = "rural", _("Rural / open country")
        URBAN = "urban", _("Urban")

    chemical = models.ForeignKey(Chemical, on_delete=models.PROTECT, related_name="+", verbose_name=_("chemical"))
    # The incident a release was modelled for is incidents.IncidentRelease: hazards sits below
    # incidents and holds no reference to them.
    risk_source = models.ForeignKey(RiskSource, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="releases", verbose_name=_("risk source"))
    location = models.PointField(_("release point"), srid=4326, geography=True)
    rate_kg_s = models.FloatField(_("release rate (kg/s)"))
    duration_s = models.FloatField(_("duration (s)"), null=True, blank=True)
    wind_speed_ms = models.FloatField(_("wind speed (m/s)"))
    wind_from_deg = models.FloatField(_("wind from (°)"))
    stability = models.CharField(_("stability class"), max_length=1)
    terrain = models.CharField(_("terrain"), max_length=8, choices=Terrain.choices, default=Terrain.RURAL)
    weather = models.JSONField(_("weather as entered"), default=dict, blank=True)
    warnings = models.JSONField(_("model limits"), default=list, blank=True)
    result = models.JSONField(_("targets and shelters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("modelled at"), auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("modelled by"))
    # Modelled in a drill (演练), or for an exercise incident: labelled, never taken for real.
    exercise = models.BooleanField(_("exercise (演练)"), default=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("release scenario")
        verbose_name_plural = _("release scenarios")
        constraints = [
            models.CheckConstraint(condition=models.Q(rate_kg_s__gt=0), name="release_rate_positive"),
            models.CheckConstraint(condition=models.Q(wind_speed_ms__gte=0.5), name="release_wind_in_model"),
        ]

    def __str__(self):
        return f"{self.chemical.name} {self.rate_kg_s:g} kg/s @ {self.created_at:%Y-%m-%d %H:%M}"


class ThreatZone(models.Model):
    """The ground footprint where the plume exceeds one level of concern."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="zones", verbose_name=_("release"))
    level = models.CharField(_("level of concern"), max_length=8)
    threshold_ppm = models.FloatField(_("threshold (ppm)"))
    distance_m = models.FloatField(_("downwind distance (m)"))
    boundary = models.PolygonField(_("boundary"), srid=4326)

    class Meta:
        ordering = ["release", "-threshold_ppm"]
        verbose_name = _("threat zone")
        verbose_name_plural = _("threat zones")

    def __str__(self):
        return f"{self.level} {self.threshold_ppm:g} ppm, {self.distance_m:.0f} m"
