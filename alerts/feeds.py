"""GET /alerts/feed/: an Atom feed of current alerts, public, each entry pointing at its CAP XML.

The shape follows the common "CAP index" convention of alert aggregators: one entry per
alert in force, whose alternate link has type application/cap+xml.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, rfc3339_date
from django.utils.translation import gettext_lazy as _

from alerts.cap import CAP_CONTENT_TYPE
from alerts.selectors import alerts_current


class CapAtomFeed(Atom1Feed):
    """Atom whose entry links say they lead to CAP, and which carries the CAP key facts."""

    def add_item_elements(self, handler, item):
        handler.addQuickElement("title", item["title"])
        handler.addQuickElement("link", "", {"href": item["link"], "rel": "alternate",
                                             "type": CAP_CONTENT_TYPE})
        if item["pubdate"] is not None:
            handler.addQuickElement("published", rfc3339_date(item["pubdate"]))
        if item["updateddate"] is not None:
            handler.addQuickElement("updated", rfc3339_date(item["updateddate"]))
        handler.addQuickElement("id", item["unique_id"])
        if item["author_name"] is not None:
            handler.startElement("author", {})
            handler.addQuickElement("name", item["author_name"])
            handler.endElement("author")
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})
        for category in item["categories"]:
            handler.addQuickElement("category", "", {"term": category})


class CurrentAlertsFeed(Feed):
    feed_type = CapAtomFeed
    title = _("Public warnings in force")
    subtitle = _("Current public warnings of the district emergency command centre, as CAP 1.2.")

    def link(self):
        return reverse("alerts:feed")

    def author_name(self):
        return settings.CAP_SENDER_NAME

    def items(self):
        return alerts_current().order_by("-sent", "-id")[:200]

    def item_title(self, alert):
        return ("【演练 EXERCISE】" if alert.exercise else "") + f"[{alert.get_level_display()}] {alert.headline}"

    def item_description(self, alert):
        return f"{alert.area_description}: {alert.description}"

    def item_link(self, alert):
        return reverse("alerts-api:cap", args=[alert.pk])

    def item_guid(self, alert):
        # A new CAP message (update) is a new identifier; the entry id stays the alert's.
        return f"urn:x-ecc:alert:{alert.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, alert):
        return alert.issued_at

    def item_updateddate(self, alert):
        return alert.sent

    def item_categories(self, alert):
        return [alert.level, alert.category, alert.msg_type]
