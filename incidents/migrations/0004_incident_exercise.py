from django.db import migrations, models


class Migration(migrations.Migration):
    """Exercise incidents (演练): issue 14, drills."""

    dependencies = [
        ("incidents", "0003_run_cards"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="exercise",
            field=models.BooleanField(db_index=True, default=False, editable=False, verbose_name="exercise (演练)"),
        ),
        migrations.AddField(
            model_name="historicalincident",
            name="exercise",
            field=models.BooleanField(db_index=True, default=False, editable=False, verbose_name="exercise (演练)"),
        ),
    ]
