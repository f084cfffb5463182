"""Forms clean and normalise what the customer types; lines.services saves it.

Every text is trimmed, its inner spaces collapsed, and refused if it holds control or invisible
characters; errors are in French beside the field they concern.
"""

import re
import unicodedata

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.fr import siret as stdnum_siret

from directory.listing import ADVERTISING_PATTERN
from directory.models import Publication

from .communes import (
    ArrondissementMismatch,
    LocationError,
    PlaceNameError,
    city_to_resolve,
    normalise_place_name,
    place_name_problem,
    resolve_location,
)
from .models import ContactDetails
from .naf import naf_label

_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}  # control, invisible format, surrogates, unassigned
_PERSON_NAME = re.compile(r"^[^\W\d_]+(?:[ '’\-.][^\W\d_]*)*$")  # noqa: RUF001 (the typographic apostrophe is a real one)
YES_NO = [(True, _("Oui")), (False, _("Non"))]
CHOSEN_COMMUNE = "commune_choice"  # see ContactDetailsForm.chosen_commune
# Why a city cannot be a commune's name (lines.communes.place_name_problem), as the form says it.
PLACE_NAME_ERRORS = {
    "characters": _(
        "Indiquez le nom de la commune : il commence par une lettre et ne contient que des lettres, "
        "des espaces, des tirets, des apostrophes ou des parenthèses (par exemple Saint-Étienne)."
    ),
    "digits": _(
        "Une ville ne contient pas de chiffres, sauf l'arrondissement de Paris, Lyon ou Marseille "
        "(par exemple Lyon 3e)."
    ),
}


# Pictographs and symbols (emoji, ☎, ©, ^): no name or address holds one, and the directories refuse
# them. The degree sign of "n°" stays, and other kinds of symbols: "+" (Canal+), "€", "&".
_SYMBOL_CATEGORIES = {"So", "Sk"}
_SYMBOLS_USED = {"°"}
_VARIATION_SELECTORS = range(0xFE00, 0xFE10)  # what turns a character into an emoji


def typed_text(value: str) -> str:
    """`value` as the characters it means: compatibility forms folded (full-width letters and
    digits, ligatures: NFKC), and the digits of any script written as ASCII digits (Arabic-Indic 7 -> 7), so
    that a SIRET, a postcode or a street number typed on any keyboard is read as its digits."""
    value = unicodedata.normalize("NFKC", value)
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() and not char.isascii() else char
                   for char in value)  # fmt: skip


def _arrondissement_name(number: int) -> str:
    return _("1er arrondissement") if number == 1 else _("%(number)se arrondissement") % {"number": number}


def _to_bool(value):
    return value in (True, "True", "true", "1", "on")


class TextField(forms.CharField):
    """A single-line text: trimmed, spaces collapsed, no control or invisible characters."""

    def to_python(self, value):
        value = typed_text(super().to_python(value))
        if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in value):
            raise forms.ValidationError(
                _("Ce champ contient des caractères invisibles ou de contrôle : retapez-le."), code="control"
            )
        if any((unicodedata.category(char) in _SYMBOL_CATEGORIES and char not in _SYMBOLS_USED)
               or ord(char) in _VARIATION_SELECTORS for char in value):  # fmt: skip
            raise forms.ValidationError(
                _("Ce champ contient des symboles ou des pictogrammes (émoticônes, ☎, ©…) : retirez-les."),
                code="symbol",
            )
        return " ".join(value.split())


class PersonNameField(TextField):
    def validate(self, value):
        super().validate(value)
        if value and not _PERSON_NAME.match(value):
            raise forms.ValidationError(
                _("Seuls les lettres, espaces, tirets, points et apostrophes sont acceptés."), code="name"
            )


class SiretField(TextField):
    def to_python(self, value):
        value = super().to_python(value)
        return re.sub(r"[\s.]", "", value)

    def validate(self, value):
        super().validate(value)
        if not value:
            return
        if not value.isdigit() or len(value) != 14:
            raise forms.ValidationError(_("Le SIRET comporte 14 chiffres."), code="siret_length")
        try:
            stdnum_siret.validate(value)
        except (InvalidChecksum, InvalidLength):
            raise forms.ValidationError(
                _("Ce SIRET n'existe pas : sa clé de contrôle est fausse. Vérifiez les 14 chiffres."),
                code="siret_checksum",
            ) from None


class ApeField(TextField):
    """APE/NAF code, accepted as `62.01Z`, `6201 z` or `6201Z`, stored as `6201Z`."""

    def to_python(self, value):
        return re.sub(r"[\s.]", "", super().to_python(value)).upper()

    def validate(self, value):
        super().validate(value)
        if value and not re.fullmatch(r"[0-9]{4}[A-Z]", value):
            raise forms.ValidationError(
                _("Le code APE/NAF s'écrit avec 4 chiffres et une lettre, par exemple 62.01Z."), code="ape"
            )
        if value and naf_label(value) is None:
            raise forms.ValidationError(
                _(
                    "Le code APE/NAF %(code)s n'existe pas dans la nomenclature de l'INSEE (NAF rév. 2) : "
                    "recopiez celui de votre avis de situation SIRENE."
                )
                % {"code": f"{value[:2]}.{value[2:]}"},
                code="ape_unknown",
            )


class ContactDetailsForm(forms.Form):
    """The sections Informations and Adresse of "Modifier les coordonnées"."""

    legal_form = forms.ChoiceField(
        label=_("Forme légale"), choices=ContactDetails.LegalForm.choices, widget=forms.RadioSelect
    )
    last_name = PersonNameField(label=_("Nom"), max_length=100, required=False)
    first_name = PersonNameField(label=_("Prénom"), max_length=100, required=False)
    profession = TextField(label=_("Profession"), max_length=100, required=False)
    siret = SiretField(label=_("SIRET"), max_length=20, required=False, help_text=_("14 chiffres"))
    ape_code = ApeField(
        label=_("Code APE/NAF"), max_length=7, required=False, help_text=_("par exemple 62.01Z")
    )
    company_name = TextField(label=_("Dénomination"), max_length=200, required=False)
    designation_complement = TextField(label=_("Complément de désignation"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        required=False,
        error_messages={"invalid": _("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.")},
    )

    street_number = forms.IntegerField(label=_("Numéro de voie"), min_value=1, max_value=9999, required=False)
    street_number_suffix = forms.ChoiceField(
        label=_("Complément du numéro"),
        choices=[("", "—"), *ContactDetails.StreetNumberSuffix.choices],
        required=False,
    )
    street_type = forms.ChoiceField(
        label=_("Type de voie"), choices=[("", "—"), *ContactDetails.StreetType.choices], required=False
    )
    street_name = TextField(label=_("Nom de la voie"), max_length=100)
    address_complement = TextField(
        label=_("Complément d'adresse"),
        max_length=100,
        required=False,
        help_text=_("bâtiment, escalier, étage…"),
    )
    postcode = TextField(label=_("Code postal"), max_length=10)
    city = TextField(label=_("Ville"), max_length=80)
    country = forms.ChoiceField(
        label=_("Pays"),
        choices=[("FR", _("France"))],
        initial="FR",
        help_text=_("Les lignes sont installées en France (métropole et outre-mer)."),
    )

    REQUIRED_BY_LEGAL_FORM = {
        ContactDetails.LegalForm.INDIVIDUAL: ("last_name", "first_name"),
        ContactDetails.LegalForm.PROFESSIONAL: ("siret", "ape_code", "company_name"),
        ContactDetails.LegalForm.COMPANY: ("siret", "ape_code", "company_name"),
    }

    def __init__(self, *args, stored=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The contact details saved (None for a first entry): a stored arrondissement's name sent
        # back with a new postcode is a move within the city (lines.communes.city_to_resolve).
        self.stored = stored
        self.location = None
        # The postcode's communes, offered as a choice when the city names none or several of them.
        self.commune_candidates = []
        self.fields["postcode"].widget.attrs.update(
            inputmode="numeric",
            autocomplete="postal-code",
            # static/js/contact-form.js lists the postcode's communes as the customer types it.
            **{"data-communes-url": reverse("postcode_communes", args=["00000"])},
        )
        self.fields["city"].widget.attrs.update(autocomplete="address-level2", list="city-communes")
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_city(self):
        """A commune's name, nothing else: `=Lyon` or `Lyon|x` is refused here, never read as Lyon."""
        city = self.cleaned_data["city"]
        if "CEDEX" in normalise_place_name(city).split():
            raise forms.ValidationError(
                _(
                    "Une adresse CEDEX sert au courrier, pas à situer une ligne : indiquez l'adresse "
                    "où la ligne est installée."
                ),
                code="cedex",
            )
        problem = place_name_problem(city)
        if problem:
            raise forms.ValidationError(PLACE_NAME_ERRORS[problem], code=f"city_{problem}")
        return city

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"].replace(" ", "")
        if not re.fullmatch(r"[0-9]{5}", postcode):
            raise forms.ValidationError(_("Le code postal comporte 5 chiffres."), code="postcode")
        return postcode

    def clean(self):
        cleaned = super().clean()
        legal_form = cleaned.get("legal_form")
        if legal_form:
            for name in self.REQUIRED_BY_LEGAL_FORM[legal_form]:
                if name not in self.errors and not cleaned.get(name):
                    self.add_error(
                        name, forms.ValidationError(_("Ce champ est obligatoire."), code="required")
                    )
            # Fields of another legal form are discarded, never saved behind the customer's back.
            used = ContactDetails.IDENTITY_FIELDS[legal_form]
            for name in ContactDetails.ALL_IDENTITY_FIELDS:
                if name not in used:
                    cleaned[name] = ""
                    self.errors.pop(name, None)
        self._clean_location(cleaned)
        return cleaned

    def _clean_location(self, cleaned):
        postcode, city = cleaned.get("postcode"), cleaned.get("city")
        if not postcode or not city:
            return
        try:
            self.location = resolve_location(
                postcode, city_to_resolve(postcode, city, self.stored), chosen=self.chosen_commune()
            )
        except PlaceNameError as error:  # clean_city has refused it already; said again, to be sure
            self.add_error("city", PLACE_NAME_ERRORS[error.problem])
        except ArrondissementMismatch as error:
            self.add_error(
                "city",
                _(
                    "Le code postal %(postcode)s est celui du %(derived)s, pas du %(typed)s : corrigez l'un "
                    "ou l'autre."
                )
                % {
                    "postcode": postcode,
                    "derived": _arrondissement_name(error.postcode_number),
                    "typed": _arrondissement_name(error.typed),
                },
            )
        except LocationError as error:
            if not error.candidates:
                self.add_error(
                    "postcode",
                    _(
                        "Le code postal %(postcode)s ne correspond à aucune commune (un code CEDEX ne convient pas)."
                    )
                    % {"postcode": postcode},
                )
            else:
                self.commune_candidates = error.candidates
                names = ", ".join(commune.name for commune in error.candidates[:12])
                more = "…" if len(error.candidates) > 12 else ""
                self.add_error(
                    "city",
                    _(
                        "Cette ville ne correspond pas au code postal %(postcode)s. Communes possibles : %(names)s "
                        "(choisissez-la ci-dessous)."
                    )
                    % {"postcode": postcode, "names": names + more},
                )

    def details(self) -> dict:
        """The cleaned values that lines.services.contact_details_apply takes."""
        return {name: value for name, value in self.cleaned_data.items() if name != "country"}

    def chosen_commune(self) -> str:
        """The INSEE code of the commune the customer picked among those the form offered (radio
        buttons `commune_choice`, shown after a city that names none or several of the postcode's
        communes), "" when none: contact_details_apply's `chosen_commune`. Not a declared field,
        so that nothing built from the form's fields (the API's, the initial values) meets it;
        resolve_location accepts it only among those communes, so a forged value changes nothing."""
        value = self.data.get(CHOSEN_COMMUNE, "") if self.is_bound else ""
        return value[:5] if isinstance(value, str) else ""


class PublicationForm(forms.Form):
    """The section "Parution dans les annuaires"."""

    listed = forms.TypedChoiceField(
        label=_("Publication dans l'annuaire"), choices=YES_NO, coerce=_to_bool, initial=False
    )
    marketing_accepted = forms.TypedChoiceField(
        label=_("Démarchage téléphonique accepté"),
        choices=YES_NO,
        coerce=_to_bool,
        initial=False,
        # CPCE R.10 4°: the right covers prospecting by any means, not only by telephone.
        help_text=_(
            "Non : vous vous opposez à l'utilisation de vos coordonnées pour de la prospection "
            "commerciale, par téléphone, par courrier ou par e-mail (article R.10 du code des postes et "
            "des communications électroniques)."
        ),
    )
    reverse_search = forms.TypedChoiceField(
        label=_("Publication dans l'annuaire inversé"),
        choices=YES_NO,
        coerce=_to_bool,
        initial=False,
        help_text=_("Oui : on peut retrouver votre nom à partir de votre numéro."),
    )
    name_display = forms.ChoiceField(
        label=_("Affichage du nom"),
        choices=Publication.NameDisplay.choices,
        initial=Publication.NameDisplay.FULL,
        required=False,
        widget=forms.RadioSelect,
        # CPCE R.10 3°: said before the customer chooses, not only when the choice is refused.
        help_text=_(
            "L'initiale ne révèle pas votre sexe. Elle n'est pas possible si un autre abonné de votre "
            "commune paraît déjà sous le même nom avec la même initiale."
        ),
    )
    address_display = forms.ChoiceField(
        label=_("Publication de l'adresse"),
        choices=Publication.AddressDisplay.choices,
        initial=Publication.AddressDisplay.FULL,
        required=False,
        widget=forms.RadioSelect,
    )
    line_designation = TextField(
        label=_("Désignation de la ligne"),
        max_length=40,
        required=False,
        help_text=_("Par exemple : Standard, Accueil, SAV, Fax."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line_designation"].widget.attrs["list"] = "line-designations"

    def clean_line_designation(self):
        designation = self.cleaned_data["line_designation"]
        if re.search(ADVERTISING_PATTERN, designation, re.IGNORECASE):
            raise forms.ValidationError(
                _(
                    "Les annuaires refusent la publicité : ni adresse web, ni e-mail, ni numéro dans la désignation."
                ),
                code="advertising",
            )
        return designation

    # Not sent when the page hides them (a business has no such options): the protective default.
    def clean_name_display(self):
        return self.cleaned_data["name_display"] or Publication.NameDisplay.FULL

    def clean_address_display(self):
        return self.cleaned_data["address_display"] or Publication.AddressDisplay.FULL

    def choices_for(self, legal_form) -> dict:
        """The choices to save; the display restrictions exist for individuals only."""
        choices = dict(self.cleaned_data)
        if legal_form != ContactDetails.LegalForm.INDIVIDUAL:
            choices.pop("name_display")
            choices.pop("address_display")
        return choices


def initial_publication(publication: Publication) -> dict:
    return {field: getattr(publication, field) for field in PublicationForm.base_fields}
