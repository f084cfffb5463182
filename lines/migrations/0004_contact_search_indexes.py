"""Indexes for support's searches on PostgreSQL: the start of a name or company name, case aside
(`UPPER(last_name) LIKE 'DUP%'`, which only a text_pattern_ops index serves under a non-C
collation), and an e-mail, case aside. SQLite, the embedded default for small data, needs none."""

from django.db import migrations

INDEXES = {
    "contact_last_name_upper_idx": "(UPPER(last_name::text) text_pattern_ops)",
    "contact_company_name_upper_idx": "(UPPER(company_name::text) text_pattern_ops)",
    "contact_email_upper_idx": "(UPPER(email::text))",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, expression in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON lines_contactdetails {expression}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("lines", "0003_servicechange")]

    operations = [migrations.RunPython(create, drop)]
