from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: a customer (owns billing accounts) or a member of staff (is_staff).

    Custom from the first migration so that fields can be added later without a painful switch.
    """

    # What the e-mails we send this customer are written in, and whether they want the monthly
    # reminder about services without contact details (Mon compte; notifications).
    language = models.CharField(
        _("langue des e-mails"), max_length=5, choices=settings.LANGUAGES, default="fr", db_default="fr"
    )
    details_reminders = models.BooleanField(
        _("rappel mensuel des coordonnées à compléter"), default=True, db_default=True
    )

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
