from django.utils.translation import gettext_lazy as _

CATEGORY_LABELS = {
    "licence": _("Licence"),
    "duty_check": _("包保 duty check"),
    "evaluation": _("Safety assessment"),
    "inspection": _("Inspection order"),
    "hidden_danger": _("Hidden danger"),
    "certificate": _("Certificate"),
}
