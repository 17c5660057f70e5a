from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum et programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks as django_checks

        from common.checks import TAG
        from forum import access_changes, checks, page_invalidation, user_cache
        from forum.services import guests

        django_checks.register(checks.settings_check, TAG)
        page_invalidation.connect()
        user_cache.connect()
        access_changes.connect()
        guests.connect()
