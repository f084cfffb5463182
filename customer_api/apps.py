from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerApiConfig(AppConfig):
    name = "customer_api"
    verbose_name = _("API pour les scripts des clients")
