"""Safety's rows in the supervisor's overview (oversight.overview_sources), registered from
oversight's AppConfig.ready because safety sits below oversight (issue 25 points 3, 7, 10):
contractors' qualifications expired or expiring (a permit naming such a contractor is
refused), and the special-work consistency checks the park is scored on (报备 without a permit
once the work's planned start has passed; a permit started without 报备)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight import overview_sources
from safety import selectors


def contractor_qualifications(user, at, enterprise_ids):
    today = timezone.localdate(at)
    for q in selectors.qualifications_expiring(user, at).filter(contractor__enterprise_id__in=enterprise_ids):
        yield (q.contractor.enterprise, f"{q.contractor.name} · {q.kind} {q.number}",
               "expired" if q.valid_to < today else "expiring", q.valid_to)


def filing_gaps(user, at, enterprise_ids):
    gaps = selectors.filing_gaps(user, at)
    for filing in gaps["filings_without_permit"]:
        if filing.enterprise_id in enterprise_ids:
            yield (filing.enterprise, _("Filed (报备) with no permit: %(work)s %(place)s")
                   % {"work": filing.get_kind_display(), "place": filing.place},
                   "overdue", timezone.localdate(filing.planned_from))
    for permit in gaps["permits_without_filing"]:
        if permit.enterprise_id in enterprise_ids:
            yield (permit.enterprise, _("Permit started without 报备: %(permit)s") % {"permit": str(permit)},
                   "overdue", timezone.localdate(permit.started_at))


def register() -> None:
    overview_sources.register("contractor_qualification", label=gettext_lazy("Contractors' qualifications"),
                              rows=contractor_qualifications, link=lambda: reverse("safety:contractors"))
    overview_sources.register("special_work_filing", label=gettext_lazy("Special work 报备 consistency"),
                              rows=filing_gaps, link=lambda: reverse("safety:special_work"))
