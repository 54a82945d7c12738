"""Admin pieces shared by the apps. Core registers nothing here."""


class ReadOnlyAdminMixin:
    """Records written by services only (operational state, records with a life: permits,
    alarms, passages…): the admin shows them and never adds, changes or deletes one, so it is
    no second write path that would skip a service's checks, locks and events. Put it before
    the admin base class: ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin)."""

    def has_add_permission(self, request, obj=None):  # obj: an inline's parent
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
