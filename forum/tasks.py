"""Celery tasks of the forum core: thin interfaces over its services."""

from __future__ import annotations

from celery import shared_task

from forum.services.questionnaires import questionnaires_close_due


@shared_task(name="forum.close_due_questionnaires", ignore_result=True)
def close_due_questionnaires() -> int:
    """Every few minutes: close the questionnaires whose closing time has passed. They
    take no answers from that time on anyway; closing wipes an anonymous one's seal
    (forum/questionnaire_tokens.py), which must not wait for a facilitator's click."""
    return questionnaires_close_due()
