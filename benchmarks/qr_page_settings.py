"""Settings for the QR page benchmark only: the catalogue benchmark's (the site's settings with
a bare view at /bench/bare/), with two switches read from the environment.

BENCH_QR_PAGE_CACHE: seconds a rendered page is kept (0 renders every scan).
BENCH_SYNCDB=1: tables from the models instead of the migrations (for a checkout whose
migrations do not apply on PostgreSQL; the QR page needs neither triggers nor data migrations).
"""

import os

from benchmarks.catalog_api_settings import *  # noqa: F403

COURTYARD_PAGE_CACHE_SECONDS = int(os.environ.get("BENCH_QR_PAGE_CACHE", "600"))


class NoMigrations(dict):
    """Every app without migrations: `migrate --run-syncdb` builds each table from its model."""

    def __contains__(self, label: object) -> bool:
        return True

    def __getitem__(self, label: str) -> None:
        return None


if os.environ.get("BENCH_SYNCDB") == "1":
    MIGRATION_MODULES = NoMigrations()
