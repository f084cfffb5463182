"""The panel's forms for API access: they clean what the customer types; customer_api.services saves."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lines.forms import TextField


class ApiApplicationForm(forms.Form):
    """A new application: its name and what it is for, as the customer will recognise it."""

    name = TextField(label=_("Nom de l'application"), max_length=100)
    description = TextField(label=_("Description"), max_length=300, required=False)


# The validities of customer_api.services.VALIDITIES, as the consent page offers them.
VALIDITY_CHOICES = [
    ("1h", _("1 heure")),
    ("1d", _("1 jour")),
    ("30d", _("30 jours")),
    ("unlimited", _("Illimitée")),
]


class ConsentForm(forms.Form):
    """How long an authorised key lasts (the consent page's only choice besides the answer)."""

    validity = forms.ChoiceField(
        label=_("Durée de validité"), choices=VALIDITY_CHOICES, initial="1d", widget=forms.RadioSelect
    )
