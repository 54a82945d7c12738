"""The exchange's rows in the supervisor's overview (oversight.overview_sources): a connected
enterprise system that got no batch through for EXCHANGE_STALE_HOURS, or never did, is overdue:
the park is scored on its platform being fed with live data (建设指南 四(一))."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange import selectors
from oversight import overview_sources


def stale_syncs(user, at, enterprise_ids):
    for row in selectors.overdue_syncs(user, at, enterprise_ids):
        if row["status"] == "never":
            subject = _("双重预防 system connected, no batch received yet")
        else:
            subject = _("双重预防 system silent since %(at)s") % {
                "at": timezone.localtime(row["last_success_at"]).strftime("%Y-%m-%d %H:%M")}
        date = timezone.localdate(row["stale_at"]) if row["stale_at"] else None
        yield row["enterprise"], subject, "overdue", date


overview_sources.register("exchange_sync", label=gettext_lazy("双重预防 exchange"), rows=stale_syncs,
                          link=lambda: reverse("exchange:status"))
