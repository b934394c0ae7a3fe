"""On PostgreSQL, a studio and a streamer can never hold two overlapping sessions.

Exclusion constraints over the planned time range (cancelled sessions excluded). SQLite has no
such constraint; there the booking service's locked check is the guard (it runs everywhere).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE livestreams_livesession ADD CONSTRAINT session_studio_no_overlap
       EXCLUDE USING gist (studio_id WITH =, tstzrange(planned_start, planned_end) WITH &&)
       WHERE (status <> 'cancelled')""",
    """ALTER TABLE livestreams_livesession ADD CONSTRAINT session_streamer_no_overlap
       EXCLUDE USING gist (streamer_id WITH =, tstzrange(planned_start, planned_end) WITH &&)
       WHERE (status <> 'cancelled' AND streamer_id IS NOT NULL)""",
]
BACKWARD = [
    "ALTER TABLE livestreams_livesession DROP CONSTRAINT IF EXISTS session_streamer_no_overlap",
    "ALTER TABLE livestreams_livesession DROP CONSTRAINT IF EXISTS session_studio_no_overlap",
]


def _run(statements: list[str]):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("livestreams", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
