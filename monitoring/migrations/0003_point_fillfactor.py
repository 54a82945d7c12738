"""Room for HOT updates on monitoring points.

The ingester moves every reporting point's last-seen time and value several times a second
(monitoring.store). With full pages each such UPDATE writes the row to another page and a new
entry into every index of the table; with half of each page free PostgreSQL keeps the new
version on the same page and touches no index (a heap-only tuple), and prunes old versions
without waiting for vacuum. Applies to pages written from now on."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0002_alarm_slot_exercise"),
    ]

    operations = [
        migrations.RunSQL("ALTER TABLE monitoring_monitoringpoint SET (fillfactor = 50)",
                          "ALTER TABLE monitoring_monitoringpoint RESET (fillfactor)"),
    ]
