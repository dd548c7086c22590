"""The Celery app. Configuration lives in settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_network.settings")

app = Celery("opinion_network")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
