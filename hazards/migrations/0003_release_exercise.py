from django.db import migrations, models


class Migration(migrations.Migration):
    """Exercise releases (演练): issue 14, drills."""

    dependencies = [
        ("hazards", "0002_chemicals_risk_sources_releases"),
    ]

    operations = [
        migrations.AddField(
            model_name="release",
            name="exercise",
            field=models.BooleanField(db_index=True, default=False, verbose_name="exercise (演练)"),
        ),
    ]
