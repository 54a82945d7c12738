"""The link between an incident and the releases modelled for it moves from hazards.Release
(a string foreign key up the layers) to incidents.IncidentRelease; existing links are copied
before hazards drops its column (hazards 0004 runs after this)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    Release = apps.get_model("hazards", "Release")
    IncidentRelease = apps.get_model("incidents", "IncidentRelease")
    IncidentRelease.objects.bulk_create(
        IncidentRelease(incident_id=incident_id, release_id=release_id)
        for release_id, incident_id in Release.objects.filter(incident__isnull=False).values_list("id", "incident_id"))


def copy_back(apps, schema_editor):
    Release = apps.get_model("hazards", "Release")
    IncidentRelease = apps.get_model("incidents", "IncidentRelease")
    for link in IncidentRelease.objects.all():
        Release.objects.filter(pk=link.release_id).update(incident_id=link.incident_id)


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0004_incident_exercise"),
        ("hazards", "0003_release_exercise"),
    ]
    run_before = [("hazards", "0004_release_incident_moves_to_incidents")]

    operations = [
        migrations.CreateModel(
            name="IncidentRelease",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("incident", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                               related_name="release_links", to="incidents.incident",
                                               verbose_name="incident")),
                ("release", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                                 related_name="incident_link", to="hazards.release",
                                                 verbose_name="release")),
            ],
            options={"verbose_name": "release of an incident", "verbose_name_plural": "releases of incidents"},
        ),
        migrations.RunPython(copy_links, copy_back),
    ]
