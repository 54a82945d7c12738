"""The `monitoring-points` map layer (core.layers): each point with its state and last value,
so the console map can colour points and their risk sources by alarm state. A drill's open
exercise alarm (monitoring.exercise) is given apart (`exercise_alarm`: its level): the point's
real state and colour stay as they are, the popup says 演练 / EXERCISE."""

from django.utils.translation import gettext_lazy as _

from core import layers, params
from core.roles import MONITORING_ROLES
from monitoring.models import PointState

NAME = "monitoring-points"


def monitoring_points(*, query, bbox) -> str:
    states = params.parse_choice_list(query.get("state"), name="state", choices=PointState.values)
    return layers.sql_feature_collection(
        table="monitoring_monitoringpoint t LEFT JOIN hazards_risksource rs ON rs.id = t.risk_source_id",
        geometry="t.location::geometry",
        properties="""json_build_object('code', t.code, 'name', t.name, 'kind', t.kind, 'unit', t.unit,
            'state', t.state, 'value', t.last_value, 'ts', t.last_ts, 'risk_source', t.risk_source_id,
            'risk_source_code', rs.code, 'h', t.limit_h, 'hh', t.limit_hh, 'l', t.limit_l, 'll', t.limit_ll,
            'url', '/monitoring/points/' || t.id || '/',
            'exercise_alarm', (SELECT a.level FROM monitoring_alarm a WHERE a.point_id = t.id AND a.exercise
                               AND a.cleared_at IS NULL ORDER BY a.raised_at DESC LIMIT 1))""",
        where=["t.state = ANY(%(state)s)"] if states else [], params={"state": states}, bbox=bbox)


# Monitoring points by state: alarms red (HH, LL) and orange (H, L), offline grey.
POINT_STATES = [("hh", "#d7191c", _("High-high alarm (HH)")), ("ll", "#d7191c", _("Low-low alarm (LL)")),
                ("h", "#f07c00", _("High alarm (H)")), ("l", "#f07c00", _("Low alarm (L)")),
                ("fault", "#6a3d9a", _("Instrument fault")), ("offline", "#8c8c8c", _("Offline")),
                ("normal", "#1a9850", _("Normal"))]

layers.register(NAME, build=monitoring_points, roles=MONITORING_ROLES,
                params={"state": "comma-separated point states (normal, h, hh, l, ll, offline, fault)"},
                doc="Monitoring points with their alarm state.",
                label=_("Monitoring points"), legend=layers.legend("state", POINT_STATES), order=100,
                # A raised, escalated, acknowledged or cleared alarm changes its point's state.
                refresh_on=["alarm."], script="monitoring/map_layers.js", words={"point_state": PointState.choices},
                map3d=layers.View3D(order=40))
