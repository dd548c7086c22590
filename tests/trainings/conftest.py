from datetime import timedelta

import pytest
from django.utils import timezone

from collaborators.models import CollaboratorProfile, CollaboratorStatus, Role
from tests.factories import UserFactory
from tests.integration.conftest import live_worker, publish_to_worker  # noqa: F401 - the real worker fixtures
from trainings import services


@pytest.fixture
def make_session(federation_admin, city, union):
    """A session organised by the city federation for ``union``'s subtree, published unless asked."""

    def _make(
        *, targets=None, capacity=10, starts_in=timedelta(days=3), hours=4, publish=True, deadline=None, **fields
    ):
        starts_at = (timezone.now() + starts_in).replace(second=0, microsecond=0)
        session = services.session_create(
            actor=federation_admin,
            unit=city,
            target_units=targets or [union],
            title=fields.pop("title", "Tập huấn nghiệp vụ cộng tác viên dư luận xã hội năm 2025"),
            venue=fields.pop("venue", "Hội trường LĐLĐ thành phố"),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            capacity=capacity,
            registration_deadline=deadline,
            **fields,
        )
        if publish:
            services.session_publish(actor=federation_admin, session=session)
            session.refresh_from_db()
        return session

    return _make


@pytest.fixture
def session(make_session):
    return make_session()


@pytest.fixture
def colleagues(grassroots):
    """Active collaborators of the target union's subtree (with profiles)."""

    def _make(count):
        people = UserFactory.create_batch(count, unit=grassroots, role=Role.COLLABORATOR)
        for person in people:
            CollaboratorProfile.objects.create(user=person, status=CollaboratorStatus.ACTIVE)
        return people

    return _make


def move(session, *, starts_in, hours=4):
    """Shift a session in time without the service checks (a session that is now running, or over)."""
    starts_at = timezone.now() + starts_in
    type(session).objects.filter(pk=session.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), registration_deadline=None
    )
    session.refresh_from_db()
    return session


@pytest.fixture
def english():
    """Service messages in English, so the tests keep passing once locale/vi translates them."""
    from django.utils import translation

    with translation.override("en"):
        yield
