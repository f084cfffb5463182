"""Load the other names of communes (La Poste's libellés, former communes, usual names), so that
every database resolves them."""

from django.db import migrations

from lines.communes import load_postcode_names, read_postcode_names_csv


def load(apps, schema_editor):
    load_postcode_names(apps.get_model("lines", "PostcodeName"), read_postcode_names_csv())


class Migration(migrations.Migration):
    dependencies = [("lines", "0012_postcodename")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
