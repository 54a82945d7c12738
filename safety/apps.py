from django.apps import AppConfig
from django.db.models import signals
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = _("Safety ledger")

    def ready(self):
        # Inputs of the enterprise's colour that are written outside safety.services: risk
        # sources (hazards, below us: its admin and regrading know nothing of colours) and the
        # reference data supervisors keep in the admin. Monitoring alarms come through
        # core.events.subscribe (safety.events), read through monitoring.selectors.
        from core.roles import register_enterprise_scope
        from hazards.models import RiskSource
        from safety import selectors, services
        from safety.models import Certificate, EnterpriseMembership, RiskPoint

        signals.pre_save.connect(services.risk_source_saving, sender=RiskSource, dispatch_uid="safety.rs.pre")
        signals.post_save.connect(services.risk_source_changed, sender=RiskSource, dispatch_uid="safety.rs.post")
        signals.post_save.connect(services.certificate_saved, sender=Certificate, dispatch_uid="safety.cert.post")
        register_enterprise_scope(selectors.membership_enterprise_id)
        # Who hears which enterprise's stream (command.streamhub): a change re-checks at once.
        signals.pre_save.connect(services.membership_saving, sender=EnterpriseMembership,
                                 dispatch_uid="safety.membership.pre")
        signals.post_save.connect(services.membership_changed, sender=EnterpriseMembership,
                                  dispatch_uid="safety.membership.post")
        signals.post_delete.connect(services.membership_changed, sender=EnterpriseMembership,
                                    dispatch_uid="safety.membership.deleted")
        for model in (RiskSource, RiskPoint, Certificate):
            signals.post_delete.connect(services.colour_input_deleted, sender=model,
                                        dispatch_uid=f"safety.{model._meta.model_name}.deleted")
