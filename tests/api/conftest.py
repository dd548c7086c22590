"""Helpers of the API tests: tokens made through the service, a client that sends one."""

import pytest
from django.test import Client

from api.services import token_create

ALL_SCOPES = ["read", "submit", "review"]


def token_for(user, scopes=("read",), days=30) -> str:
    _token, raw_key = token_create(user=user, name="Hệ thống đoàn viên", scopes=list(scopes), days=days)
    return raw_key


def api_client(raw_key: str | None = None, **headers) -> Client:
    """A client sending JSON with ``Authorization: Bearer <key>`` (none: anonymous)."""
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    if raw_key:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {raw_key}"
    return Client(**extra)


@pytest.fixture
def topic(db):
    from reports.models import Topic

    return Topic.objects.get_or_create(code="wages", defaults={"name": "Tiền lương"})[0]
