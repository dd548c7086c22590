"""What a test needs from the machine (PostgreSQL, a program): without it the test is skipped, or fails
when the run requires every integration test (``REQUIRE_INTEGRATION=1``, as CI sets it)."""

import os

import pytest
from django.db import connection


def missing_prerequisite(reason: str):
    """Skip the test, or fail it when the run requires integration tests."""
    if os.environ.get("REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"REQUIRE_INTEGRATION=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def needs_postgresql(what: str):
    """``what`` (e.g. "the concurrency test") needs PostgreSQL: skip or fail on another database."""
    if connection.vendor != "postgresql":
        missing_prerequisite(f"{what} needs PostgreSQL (the database is {connection.vendor})")
