from django.contrib.auth.models import AbstractUser
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: a customer (owns billing accounts) or a member of staff (is_staff).

    Custom from the first migration so that fields can be added later without a painful switch.
    """

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
