from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# The admin is where planners keep plans, rosters and the registers: it should say so.
admin.site.site_header = _("District Emergency Command Centre — administration")
admin.site.site_title = _("Emergency command administration")
admin.site.index_title = _("Plans, rosters and registers")
