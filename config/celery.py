"""The Celery application: Redis broker in production, in-process in `intercoop run`."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun

from config import env

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("intercoop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Database connections in workers: Celery's Django fixup closes every connection
# before and after each task unless CELERY_DB_REUSE_MAX is set, so each task opened a
# new one (on PostgreSQL a forked backend and its authentication, for every chunk of
# emailed replies). Workers follow Django's own rule instead, as around a web request:
# before and after each task, a connection older than CONN_MAX_AGE (60 s), or unusable
# after an error or a database restart (CONN_HEALTH_CHECKS), is closed; any other is
# kept. The fixup still closes them all every DB_REUSE_MAX tasks.
app.conf["CELERY_DB_REUSE_MAX"] = 1000


@task_prerun.connect
@task_postrun.connect
def _tidy_database_connections(sender=None, **kwargs) -> None:
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        from django.db import close_old_connections

        close_old_connections()


def _digest_hour() -> int:
    # This module is imported with the config package, before the `intercoop` command
    # can catch anything: a bad value falls back here and is reported when the command
    # starts (config.settings, mailbridge's checks: one line, exit status 2).
    try:
        return env.integer("INTERCOOP_DIGEST_HOUR", 7, minimum=0, maximum=23)
    except env.ConfigError:
        return 7


# Periodic tasks, run by `intercoop beat` (or the embedded worker's beat), in
# CELERY_TIMEZONE: Europe/Paris. Settings are read from the environment here:
# Django's settings are not loaded yet when config/__init__.py imports this module.
app.conf.beat_schedule = {
    # The outbox sweeper (mailbridge.tasks): requeues the batches of dead workers and
    # wakes the senders when deliveries are due (after a relay outage, a lost wake-up).
    # Every 10 s, well within a claim's lease: two indexed queries that find nothing
    # most of the time, and a dead worker's rows wait little more than its lease.
    "mailbridge.sweep_outbox": {
        "task": "mailbridge.sweep_outbox",
        "schedule": 10.0,
        "options": {"expires": 9},  # a sweep nobody ran in time is replaced by the next
    },
    # The inbound sweeper (mailbridge.inbound.tasks): stored messages whose wake-up was
    # lost, or whose worker died while processing them, are processed again.
    "mailbridge.sweep_inbound": {
        "task": "mailbridge.sweep_inbound",
        "schedule": 10.0,
        "options": {"expires": 9},
    },
    # Questionnaires past their closing time are closed (forum.tasks): an anonymous
    # one's seal is wiped within that delay.
    "forum.close_due_questionnaires": {
        "task": "forum.close_due_questionnaires",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # "Missing testimony" reminders (mailbridge.testimonies): hourly, so that a
    # reminder goes out within the hour its day is reached.
    "mailbridge.send_testimony_reminders": {
        "task": "mailbridge.send_testimony_reminders",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    # Questionnaire reminders due by their schedule (mailbridge.questionnaires).
    "mailbridge.send_questionnaire_reminders": {
        "task": "mailbridge.send_questionnaire_reminders",
        "schedule": 900.0,
        "options": {"expires": 890},
    },
    # The daily digests (mailbridge.digests), once a day at INTERCOOP_DIGEST_HOUR.
    "mailbridge.send_daily_digests": {
        "task": "mailbridge.send_daily_digests",
        "schedule": crontab(hour=_digest_hour(), minute=0),
    },
}


@app.task(name="intercoop.ping")
def ping() -> str:
    """A task that does nothing: lets `intercoop run` and the tests check the worker."""
    return "pong"
