from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourtyardsConfig(AppConfig):
    name = "courtyards"
    verbose_name = _("Courtyards")
