from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "alliance"
    verbose_name = _("Alliance")

    def ready(self) -> None:
        from alliance import checks, lookups, signals  # noqa: F401 (they register themselves)
        from alliance.federation import places  # noqa: F401 (its cache signals connect on import)

        post_migrate.connect(signals.sync_groups_after_migrate)
