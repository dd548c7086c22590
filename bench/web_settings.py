"""bench/web.py's settings: the project's, with a minimal view at /bench/minimal/ (bench/web_urls.py)."""

from opinion_network.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web_urls"
