"""Settings for the catalogue API benchmark only: the site's, with a URLconf adding a bare view.

Never used in production (config.settings is). Everything else (middleware, cache, database
options) is the site's, so the bare view pays the same per-request costs as the API.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.catalog_api_urls"
