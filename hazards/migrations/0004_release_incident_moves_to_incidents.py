"""Release.incident moves to incidents.IncidentRelease (incidents 0005 copies the links first):
hazards sits below incidents and holds no reference to them."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("hazards", "0003_release_exercise"),
    ]

    operations = [
        migrations.RemoveField(model_name="release", name="incident"),
    ]
