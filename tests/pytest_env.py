"""Loaded with -p before Django starts: tests run with the development defaults.

Settings refuse to start without SECRET_KEY when DEBUG is off, and a plain
`pytest` should work like `make test`. Production-like settings are tested
in subprocesses (tests/core/test_settings.py) and by `check --deploy` in CI.
"""

import os

os.environ.setdefault("DEBUG", "1")
