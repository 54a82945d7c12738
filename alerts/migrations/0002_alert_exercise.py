from django.db import migrations, models


class Migration(migrations.Migration):
    """Exercise warnings (演练): issue 14, drills."""

    dependencies = [
        ("alerts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="exercise",
            field=models.BooleanField(db_index=True, default=False, verbose_name="exercise (演练)"),
        ),
        migrations.AddField(
            model_name="historicalalert",
            name="exercise",
            field=models.BooleanField(db_index=True, default=False, verbose_name="exercise (演练)"),
        ),
    ]
