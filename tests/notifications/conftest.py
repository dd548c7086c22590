"""Fixtures of the outbox tests: the local message providers."""

from tests.notifications.providers import provider  # noqa: F401 (a fixture)
