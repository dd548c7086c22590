"""Third-party admin pages read odd input as the project's own do (core.forms.ReadableAdminInput)."""

from django.contrib import admin
from django_celery_beat.admin import ClockedScheduleAdmin, PeriodicTaskAdmin
from django_celery_beat.models import ClockedSchedule, PeriodicTask

from core.forms import ReadableAdminInput

for _model, _admin in ((PeriodicTask, PeriodicTaskAdmin), (ClockedSchedule, ClockedScheduleAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(_admin.__name__, (ReadableAdminInput, _admin), {}))
