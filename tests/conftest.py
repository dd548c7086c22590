import pytest
from celery import current_app
from django.conf import settings
from django.test import Client

from collaborators.models import Role, UnitKind
from collaborators.services.security import CONSENT_CHECKED, TWO_FACTOR_VERIFIED
from tests.factories import UnitFactory, UserFactory

_client_login = Client._login


def _login_with_second_factor_passed(self, user, backend=None):
    """Tests sign people in with ``client.force_login`` / ``client.login``: the session also counts the
    second factor as passed and the consent version as checked, so people reach their pages as they
    would after the code. The second
    factor itself is tested through the sign-in pages (tests/collaborators/test_security.py and the
    browser tests)."""
    _client_login(self, user, backend)
    session = self.session
    session[TWO_FACTOR_VERIFIED] = "test"
    session[CONSENT_CHECKED] = settings.PERSONAL_DATA_CONSENT_VERSION
    session.save()


Client._login = _login_with_second_factor_passed


@pytest.fixture(autouse=True)
def _fast_and_eager(settings):
    """Fast password hashing, and Celery tasks in-process unless a test asks for a broker."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with the app's cache empty: counters kept there (activation attempts, the tallies'
    catch-up mark) must not carry over from one test to the next. With Redis as the cache only the app's
    own keys go, never the broker's queues in the same database."""
    from django.core.cache import cache

    _clear_app_cache(cache)
    yield


def _clear_app_cache(cache):
    client_of = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_of is None:
        cache.clear()
        return
    client = client_of(write=True)
    for key in client.scan_iter(match=f"{cache.key_prefix}*"):
        client.delete(key)


@pytest.fixture
def city(db):
    return UnitFactory(kind=UnitKind.CITY_FEDERATION, code="CITY", name="Liên đoàn Lao động thành phố")


@pytest.fixture
def union(city):
    return UnitFactory(parent=city, code="WARD-A", name="Công đoàn phường Ba Đình")


@pytest.fixture
def grassroots(union):
    return UnitFactory(parent=union, kind=UnitKind.GRASSROOTS, code="WARD-A-01", name="Công đoàn cơ sở Trường THCS")


@pytest.fixture
def other_union(city):
    return UnitFactory(parent=city, code="WARD-B", name="Công đoàn phường Hoàn Kiếm")


@pytest.fixture
def collaborator(grassroots):
    return UserFactory(username="collab", full_name="Phạm Văn Hùng", unit=grassroots, role=Role.COLLABORATOR)


@pytest.fixture
def unit_staff(union):
    return UserFactory(username="unitstaff", full_name="Lê Thị Lan", unit=union, role=Role.STAFF)


@pytest.fixture
def other_staff(other_union):
    return UserFactory(username="otherstaff", full_name="Hoàng Minh Tuấn", unit=other_union, role=Role.STAFF)


@pytest.fixture
def other_collaborator(other_union):
    return UserFactory(username="collab2", full_name="Vũ Thị Mai", unit=other_union, role=Role.COLLABORATOR)


@pytest.fixture
def federation_admin(city):
    return UserFactory(username="cityadmin", full_name="Nguyễn Thị Thu Hương", unit=city, role=Role.ADMIN)


@pytest.fixture
def english(client, settings):
    """Run a test in English: for tests that assert on English messages.

    Vietnamese is the default language (DefaultLanguageMiddleware ignores the
    browser's Accept-Language), so the test client carries the language cookie.
    """
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
