"""Third-party admin pages read odd input as the project's own do (core.forms.ReadableAdminInput), and read
in Vietnamese where the third-party app writes English outside any catalogue."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from cron_descriptor import FormatException, MissingFieldException, Options, WrongArgumentException, get_description
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import (
    ClockedScheduleAdmin,
    CrontabScheduleAdmin,
    IntervalScheduleAdmin,
    PeriodicTaskAdmin,
    PeriodicTaskInline,
    SolarScheduleAdmin,
)
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from core.forms import ReadableAdminInput


def _at(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else ""


# django-axes names its rows in English in code ("Access Log for root @ 2026-12-03 02:30:01+00:00"); the
# admin shows that name as the page's title, in its breadcrumb and in what a screen reader says of each row.
AccessLog.__str__ = lambda self: (
    gettext("Sign-in of %(username)s at %(time)s")
    % {
        "username": self.username,
        "time": _at(self.attempt_time),
    }
)
AccessAttempt.__str__ = lambda self: gettext("Failed sign-in at %(time)s") % {"time": _at(self.attempt_time)}
AccessFailureLog.__str__ = lambda self: (
    gettext("Failed sign-in of %(username)s at %(time)s")
    % {
        "username": self.username,
        "time": _at(self.attempt_time),
    }
)


# cron-descriptor writes its sentences in Vietnamese but the names of days and months in the C locale.
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DAYS_VI = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
MONTHS += ["November", "December"]


def _vietnamese_names(text: str) -> str:
    for english, vietnamese in zip(DAYS, DAYS_VI, strict=True):
        text = text.replace(english, vietnamese)
    for number, english in enumerate(MONTHS, start=1):
        text = text.replace(english, f"tháng {number}")
    return text


class AccessAttempts(AccessAttemptAdmin):
    """django-axes' own columns are named from their methods' names, in English."""

    @admin.display(description=_("Status"))
    def status(self, obj):
        return super().status(obj)

    @admin.display(description=_("Expires at"))
    def expiration(self, obj):
        return super().expiration(obj)


def crontab_in_words(crontab) -> str:
    """A crontab in Vietnamese words (django-celery-beat's ``human_readable`` is English only)."""
    expression = " ".join(
        [crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week]
    )
    options = Options()
    options.locale_code = "vi_VN"
    options.use_24hour_time_format = True
    try:
        return _vietnamese_names(get_description(expression, options))
    except (MissingFieldException, FormatException, WrongArgumentException):
        return expression


class TaskNameMixin:
    """django-celery-beat's "Task Name" is a plain string, out of reach of any catalogue."""

    @admin.display(description=_("task name"))
    def task_name(self, obj):
        return obj.task


class TaskInline(TaskNameMixin, PeriodicTaskInline):
    fields = ("name", "task_name", "args", "kwargs")
    readonly_fields = fields


class TaskFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("task name")


class PeriodicTasks(ReadableAdminInput, PeriodicTaskAdmin):
    list_filter = ["enabled", "one_off", ("task", TaskFilter), "start_time", "last_run_at"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "task" and field is not None:
            field.label = _("Task name")
        return field

    def crontab_translation(self, obj):
        return crontab_in_words(obj.crontab) if obj.crontab_id else ""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "readable_crontabs": {c.id: crontab_in_words(c) for c in CrontabSchedule.objects.all()},
        }
        return admin.ModelAdmin.changeform_view(self, request, object_id, form_url, extra_context=extra_context)


class Crontabs(CrontabScheduleAdmin):
    inlines = [TaskInline]
    list_display = ("__str__", "in_words")
    fields = ("in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
    readonly_fields = ("in_words",)

    @admin.display(description=_("In words"))
    def in_words(self, obj):
        return crontab_in_words(obj) if obj and obj.pk else ""


class Clocked(ReadableAdminInput, ClockedScheduleAdmin):
    inlines = [TaskInline]


class Intervals(IntervalScheduleAdmin):
    inlines = [TaskInline]


class Solar(SolarScheduleAdmin):
    inlines = [TaskInline]


# Groups too: their permissions are labelled in Vietnamese there (core.forms.permission_label).
for _model, _admin in (
    (PeriodicTask, PeriodicTasks),
    (ClockedSchedule, Clocked),
    (CrontabSchedule, Crontabs),
    (IntervalSchedule, Intervals),
    (SolarSchedule, Solar),
    (Group, type("GroupAdmin", (ReadableAdminInput, GroupAdmin), {})),
    (AccessAttempt, AccessAttempts),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
