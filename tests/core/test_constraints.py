"""core.constraints.CheckConstraint: skipped at once without a field it names, checked otherwise."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q

from reports.models import Report, ReportKind, ReportStatus

# What the report form leaves out: only the services set them.
LEFT_OUT = {"status", "verification", "nothing_new", "client_token"}


def test_a_check_naming_a_left_out_field_is_not_even_built(db):
    report = Report(kind=ReportKind.OPINION, status=ReportStatus.SUBMITTED, verification="true")
    with mock.patch.object(Q, "check", side_effect=AssertionError("built and run")) as check:
        report.validate_constraints(exclude=LEFT_OUT)
    assert not check.called


def test_a_check_with_all_its_fields_still_refuses(db):
    report = Report(kind=ReportKind.OPINION, status=ReportStatus.SUBMITTED, verification="true")
    with pytest.raises(ValidationError):
        report.validate_constraints(exclude={"client_token"})  # a verification is for rumours only
    Report(kind=ReportKind.RUMOUR, status=ReportStatus.SUBMITTED, verification="true").validate_constraints(
        exclude={"client_token"}
    )
