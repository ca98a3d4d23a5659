from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LiveblogsConfig(AppConfig):
    name = "liveblogs"
    verbose_name = _("Live pages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import roles, signals  # noqa: F401  (signals registers its receivers)

        # Keep the Editors and Reporters groups in step with the permissions of new releases.
        post_migrate.connect(roles.sync_after_migrate, sender=self)
