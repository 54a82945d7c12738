from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

RED_COUNTERS: dict = {}  # one counter per condition, made once: colour_inputs.register checks identity


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Safety administration")

    def ready(self):
        # Inputs of the enterprise colour (safety.colour_inputs): safety sits below and never
        # imports us. A lapsed licence means the enterprise operates without the licence the
        # law requires (安全生产许可证条例 Art. 2; 危险化学品安全管理条例 Art. 14, 29, 33):
        # one of the national scheme's outright-red conditions (应急〔2018〕19号).
        from django.utils.text import format_lazy
        from django.utils.translation import gettext_lazy as _

        from oversight import events, safety_sources, selectors  # noqa: F401  (declares the event types)

        safety_sources.register()
        from oversight.models import RedFinding
        from safety import colour_inputs

        colour_inputs.register("licence_lapsed", count=selectors.expired_licence_count, outright_red=True,
                               text=_("%(n)d licence(s) lapsed (安全生产行政许可)"))
        colour_inputs.register("major_accident", count=selectors.major_accidents_count, outright_red=True,
                               text=_("%(n)d major (重大) or worse accident(s) in the last three years"))
        colour_inputs.register("larger_accidents", count=selectors.larger_accidents_count, outright_red=True,
                               text=_("%(n)d larger (较大) accidents in the last three years"))
        colour_inputs.register("fatal_general_accidents", count=selectors.fatal_general_accidents_count,
                               outright_red=True, text=_("%(n)d general (一般) accidents with deaths in the last year"))
        for condition in RedFinding.Condition:
            RED_COUNTERS.setdefault(condition.value, selectors.red_findings_open_count(condition.value))
            colour_inputs.register(condition.value, count=RED_COUNTERS[condition.value], outright_red=True,
                                   text=format_lazy("{}{}", _("%(n)d open outright-red finding(s): "), condition.label))
        colour_inputs.register("duty_checks_overdue", count=selectors.duty_overdue_count,
                               text=_("%(n)d 包保 duty check(s) overdue"))
        colour_inputs.register("evaluation_overdue", count=selectors.evaluation_overdue_count,
                               text=_("%(n)d major hazard source(s) without a safety assessment in three years"))
