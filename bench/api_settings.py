"""The production settings, for `python -m bench.api` only: the project's URLs plus the benchmark's
floor page (bench.api_urls). Everything else, middleware included, is production's, read from the
environment the benchmark gives the server."""

from telecom_panel.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
