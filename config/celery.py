"""The Celery application: Redis broker in production, in-process in `intercoop run`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("intercoop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="intercoop.ping")
def ping() -> str:
    """A task that does nothing: lets `intercoop run` and the tests check the worker."""
    return "pong"
