from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestreamsConfig(AppConfig):
    name = "livestreams"
    verbose_name = _("Livestreams and orders")

    def ready(self) -> None:
        from livestreams import forwarding_tasks  # noqa: F401 (registers the Celery tasks)
