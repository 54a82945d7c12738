from django.utils.translation import gettext_lazy as _

CATEGORY_LABELS = {
    "licence": _("Licence"),
    "duty_check": _("包保 duty check"),
    "evaluation": _("Safety assessment"),
    "inspection": _("Inspection order"),
    "hidden_danger": _("Hidden danger"),
    "certificate": _("Certificate"),
    "red_finding": _("Outright-red finding"),
    "turnaround": _("Start-up, shutdown or turnaround"),
}


def category_labels() -> dict:
    """Oversight's own categories' labels and those of the registered overview sources."""
    from oversight import overview_sources

    return {**CATEGORY_LABELS, **{s.category: s.label for s in overview_sources.registered()}}
