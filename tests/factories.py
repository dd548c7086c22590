"""Consistent objects for tests, built through the services where one exists."""

import factory
from factory.django import DjangoModelFactory

from collaborators.models import Role, Unit, UnitKind, User
from collaborators.services import unit_create

TEST_PASSWORD = "correct-horse-battery-staple"  # noqa: S105


class UnitFactory(factory.Factory):
    """Units go through treebeard (add_root/add_child), so no DjangoModelFactory."""

    class Meta:
        model = Unit

    parent = None
    kind = UnitKind.COMMUNE_WARD
    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"Công đoàn phường Thử Nghiệm {n}")

    @classmethod
    def _create(cls, model_class, parent=None, **kwargs):
        return unit_create(parent=parent, **kwargs)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.COLLABORATOR
    unit = factory.SubFactory(UnitFactory)
    is_active = True

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])
