from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class TokenForm(forms.Form):
    """The six digits an authenticator app shows; spaces, as apps group them, are dropped."""

    otp_token = forms.CharField(
        label=_("Code à 6 chiffres"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"].replace(" ", "")
        if not (len(token) == 6 and token.isascii() and token.isdigit()):
            raise forms.ValidationError(_("Saisissez les 6 chiffres affichés par votre application."))
        return token


class EmailPreferencesForm(forms.ModelForm):
    """Mon compte: the language of our e-mails, and the monthly reminder (on by default)."""

    class Meta:
        model = User
        fields = ["language", "details_reminders"]
        help_texts = {
            "details_reminders": _(
                "Un e-mail par mois tant que des services n'ont pas de coordonnées. Les comptes rendus "
                "des mises à jour des annuaires qui concernent vos services sont toujours envoyés."
            )
        }
