"""Settings for the benchmark: production-like, with the benchmark's URLs added.

bench/run.py points SPORTELLO_VAR_DIR at a throwaway directory, so the SQLite database, the
secret key and the collected static files of a run never touch var/.
"""

from sportello.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The per-IP limiter would throttle the load generator (every request comes from 127.0.0.1).
RATE_LIMIT_PER_IP = "0"

# Production-like whatever the caller's environment says: no debug, hashed and compressed
# static files served by WhiteNoise from STATIC_ROOT, no finders.
DEBUG = False
TESTING = False
WHITENOISE_USE_FINDERS = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
