"""The shell's page scripts (core.panels.register_script), placed by templates/base.html."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join

from core import panels

register = template.Library()


@register.simple_tag(takes_context=True)
def shell_scripts(context):
    """One `<script type="module" nonce=...>` per registered script whose `when` holds here."""
    request = context.get("request")
    # Never `nonce or ""`: django-csp's lazy nonce is falsy until it is first read.
    nonce = getattr(request, "csp_nonce", None)
    nonce = "" if nonce is None else str(nonce)
    tags = []
    for script, data in panels.scripts_for(context):
        attrs = format_html_join("", ' data-{}="{}"', ((key.replace("_", "-"), value) for key, value in data.items()))
        element_id = format_html(' id="{}"', script.element_id) if script.element_id else ""
        tags.append(format_html('<script type="module" nonce="{}" src="{}"{}{}></script>', nonce, static(script.path),
                                element_id, attrs))
    return format_html_join("\n", "{}", ((tag,) for tag in tags))
