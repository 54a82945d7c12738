# The event log moved to core (core/migrations/0001_initial.py renames the table of
# databases created before the move). This migration stays, empty, so databases that
# applied it keep a consistent history.

from django.db import migrations


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = []
