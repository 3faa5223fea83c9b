"""TicketEvent is append-only at the database level (RELIABILITY.md G1): UPDATE and DELETE raise."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'complaints_ticketevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER complaints_event_append_only
    BEFORE UPDATE OR DELETE ON complaints_ticketevent
    FOR EACH ROW EXECUTE FUNCTION complaints_event_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS complaints_event_append_only ON complaints_ticketevent;
DROP FUNCTION IF EXISTS complaints_event_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER complaints_event_no_update BEFORE UPDATE ON complaints_ticketevent
       BEGIN SELECT RAISE(ABORT, 'complaints_ticketevent is append-only'); END;""",
    """CREATE TRIGGER complaints_event_no_delete BEFORE DELETE ON complaints_ticketevent
       BEGIN SELECT RAISE(ABORT, 'complaints_ticketevent is append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS complaints_event_no_update;",
    "DROP TRIGGER IF EXISTS complaints_event_no_delete;",
]


def forwards(apps, schema_editor):
    statements = [PG_UP] if schema_editor.connection.vendor == "postgresql" else SQLITE_UP
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = [PG_DOWN] if schema_editor.connection.vendor == "postgresql" else SQLITE_DOWN
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
