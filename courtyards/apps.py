from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourtyardsConfig(AppConfig):
    name = "courtyards"
    verbose_name = _("Courtyards")

    def ready(self) -> None:
        from courtyards import signals, tasks  # noqa: F401 (receivers and Celery tasks)
