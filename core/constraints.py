"""Check constraints that a form leaving out their fields does not pay for."""

from django.db import models
from django.db.models import Q


class CheckConstraint(models.CheckConstraint):
    """Django's check constraint, skipped at once when validating without a field it names.

    Django builds the constraint's query and only then skips it, on the missing field (a fifth of the
    report form's validation: the form leaves out the status and the verification that only the services
    set). It deconstructs as Django's own, so migrations see no change.
    """

    def validate(self, model, instance, exclude=None, using=None):
        if exclude and Q(self.condition).referenced_base_fields & set(exclude):
            return
        kwargs = {} if using is None else {"using": using}
        super().validate(model, instance, exclude=exclude, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs
