"""On PostgreSQL the programmes' audit rows are append-only: a trigger refuses UPDATE and DELETE, as
for the case events (the model refuses them through the ORM on every database)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION yiwang_programme_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'programmes_event is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS programmes_event_append_only ON programmes_event;
CREATE TRIGGER programmes_event_append_only BEFORE UPDATE OR DELETE ON programmes_event
    FOR EACH ROW EXECUTE FUNCTION yiwang_programme_events_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS programmes_event_append_only ON programmes_event;
DROP FUNCTION IF EXISTS yiwang_programme_events_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
