"""The thin override the test suite runs with: the same settings, faster password hashing.

DATABASE_URL and REDIS_URL are honoured as in config.settings, so CI tests on PostgreSQL and
Redis. Tasks run in-process unless a test starts a real worker.
"""

import os

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# One test database per test process, so that two runs at once (or a run beside a benchmark)
# never share one.
_default = DATABASES["default"]  # noqa: F405
if _default["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared-cache memory: threads racing in tests then wait on SQLite's lock
    # (WAL, busy timeout) instead of failing with "database table is locked".
    _default["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}  # noqa: F405
else:
    _default["TEST"] = {"NAME": f"test_{_default['NAME']}_{os.getpid()}"}
