"""`{% load plans_tags %}{% incident_plans_panel incident %}`: the plans card, for plans' own
pages. Other apps' pages get it through core.panels (plans.panels), never by loading this."""

from django import template

from plans.panels import panel_context

register = template.Library()


@register.inclusion_tag("plans/incident_panel.html", takes_context=True)
def incident_plans_panel(context, incident):
    request = context.get("request")
    return panel_context(request, incident, next_url=request.get_full_path() if request else "")
