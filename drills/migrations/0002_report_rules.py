from django.db import migrations

# docs/domain.md "Grading": 15 min by phone / 30 min written for Ⅰ–Ⅱ, 30/60 min for Ⅲ.
# Ⅳ, the follow-up interval and the final report's delay are this office's defaults: check
# them against the local regulation and change them in the admin.
DEFAULTS = [
    ("I", 15, 30, 4, 15),
    ("II", 15, 30, 8, 15),
    ("III", 30, 60, 24, 15),
    ("IV", 60, 120, 24, 30),
]


def seed(apps, schema_editor):
    ReportRule = apps.get_model("drills", "ReportRule")
    for severity, phone, written, followup, final in DEFAULTS:
        ReportRule.objects.get_or_create(severity=severity, defaults={
            "phone_min": phone, "written_min": written, "followup_h": followup, "final_days": final})


class Migration(migrations.Migration):
    dependencies = [("drills", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
