from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum et programme")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from forum import page_invalidation, user_cache

        page_invalidation.connect()
        user_cache.connect()
