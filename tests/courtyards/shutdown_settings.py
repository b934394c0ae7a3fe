"""The site's settings for the clean-shutdown test's gunicorn: no background flush, so that only
the exit can write the buffered scans (what the test is about), whatever the machine's load."""

from config.settings import *  # noqa: F403

COURTYARD_SCAN_FLUSH_SECONDS = 0
