"""On PostgreSQL, the audit trail is append-only: a trigger refuses UPDATE and DELETE on events.

(SQLite has no such guard; there the hash chains alone reveal tampering, via `yiwang verify-audit`.)
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION yiwang_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'cases_caseevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS caseevent_append_only ON cases_caseevent;
CREATE TRIGGER caseevent_append_only BEFORE UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION yiwang_events_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS caseevent_append_only ON cases_caseevent;
DROP FUNCTION IF EXISTS yiwang_events_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
