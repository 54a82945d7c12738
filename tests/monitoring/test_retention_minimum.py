"""Issue 25 point 9: readings are kept at least 30 days whatever the retention setting says
(危险化学品重大危险源监督管理暂行规定, 令40号 Art. 13)."""

import datetime as dt

from django.utils import timezone

from monitoring import services
from monitoring.models import Reading


def test_a_short_retention_setting_never_purges_readings_younger_than_30_days(make_point, settings):
    settings.MONITORING_RETENTION_DAYS = 7
    point = make_point()
    for days, value in ((31, 1), (29, 2), (8, 3), (1, 4)):
        Reading.objects.create(point=point, ts=timezone.now() - dt.timedelta(days=days), value=value)
    assert services.readings_purge() == 1
    assert services.readings_purge(older_than_days=0) == 0
    assert sorted(Reading.objects.values_list("value", flat=True)) == [2, 3, 4]
