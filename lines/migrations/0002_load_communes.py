"""Load the shipped commune reference data, so that every database can resolve addresses."""

from django.db import migrations

from lines.communes import load_communes, read_communes_csv


def load(apps, schema_editor):
    load_communes(apps.get_model("lines", "Commune"), apps.get_model("lines", "PostalCode"), read_communes_csv())


class Migration(migrations.Migration):
    dependencies = [("lines", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop, elidable=True)]
