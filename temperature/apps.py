from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TemperatureConfig(AppConfig):
    name = "temperature"
    verbose_name = _("测温与巡检")
