"""Trigram indexes for the caller lookup (phone suffix, name, address contains) on PostgreSQL.

Without them every search of the agent's caller lookup scans all households (~1 s at a million).
SQLite (`make run`) has no such index type and is small enough to scan.
"""

from django.db import migrations

UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS household_phone_trgm ON stations_household USING gin (phone gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS household_address_trgm ON stations_household USING gin (address gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS household_name_trgm ON stations_household USING gin (resident_name gin_trgm_ops)",
]
DOWN = [
    "DROP INDEX IF EXISTS household_phone_trgm",
    "DROP INDEX IF EXISTS household_address_trgm",
    "DROP INDEX IF EXISTS household_name_trgm",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in UP:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("stations", "0002_reference_data")]
    operations = [migrations.RunPython(forwards, backwards)]
