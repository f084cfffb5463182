"""The public directory (/annuaire/): anyone may search it, no login.

It shows only what the sync wrote into `Listing`, the entries as their subscribers chose to
publish them, and only the fields a printed directory shows. Every request counts against a
per-address limit (directory.throttle). The reverse search answers a number that is listed but
kept out of the reverse directory exactly as it answers a number that is not listed at all.
"""

import re
import unicodedata
from urllib.parse import urlencode

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from lines.communes import normalise_place_name

from .listing import name_search_key, search_key
from .models import Listing
from .throttle import rate_limited

RESULTS_PER_PAGE = 20
MIN_NAME_LENGTH = 2  # letters or digits, after normalisation
# What a printed directory shows of an entry; nothing else of a listing leaves the database.
PUBLIC_FIELDS = (
    "name",
    "activity",
    "line_designation",
    "street",
    "postcode",
    "city",
    "national_number",
    "marketing_accepted",
)
# Every French département code, Corsica's 2A/2B, the overseas départements and collectivities.
DEPARTEMENT_CODE = re.compile(r"0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-8]|98[46-9]")
PHONE_CHARACTERS = re.compile(r"[0-9+ .()\-]+")


def printable(value: str) -> str:
    """Whitespace of any kind becomes one space; other control and format characters (NUL, bell,
    bidi overrides, zero-width spaces...) are dropped."""
    kept = "".join(c for c in value if c.isspace() or unicodedata.category(c)[0] != "C")
    return " ".join(kept.split())


class PublicForm(forms.Form):
    """A GET form for anonymous, possibly hostile input: each value is cut just past its field's
    max_length (so that the length error still shows) and made printable before validation."""

    def __init__(self, query=None):
        data = None
        if query is not None:
            data = {
                name: printable(query.get(name, "")[: field.max_length + 1])
                for name, field in self.base_fields.items()
            }
        super().__init__(data)

    @classmethod
    def submitted_in(cls, query):
        """The form bound to `query` when the query holds any of its fields, else unbound."""
        return cls(query) if any(name in query for name in cls.base_fields) else cls()


class SearchForm(PublicForm):
    nom = forms.CharField(
        label=_("Nom ou dénomination"),
        max_length=100,
        required=False,  # checked by clean_nom, with one message for empty and too short
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    ville = forms.CharField(label=_("Ville"), max_length=80, required=False)
    departement = forms.CharField(
        label=_("Département"), max_length=3, required=False, help_text=_("Par exemple 75, 2A ou 974.")
    )

    def clean_nom(self):
        name = self.cleaned_data["nom"]
        if len(search_key(name).replace(" ", "")) < MIN_NAME_LENGTH:
            raise ValidationError(
                _("Saisissez au moins %(count)d lettres ou chiffres du nom ou de la dénomination."),
                params={"count": MIN_NAME_LENGTH},
            )
        return name

    def clean_departement(self):
        code = self.cleaned_data["departement"].upper()
        if re.fullmatch(r"[1-9]", code):
            code = f"0{code}"  # Ain is 01, but people type 1
        if code and not DEPARTEMENT_CODE.fullmatch(code):
            raise ValidationError(_("Département inconnu : saisissez son numéro, par exemple 75, 2A ou 974."))
        return code


class ReverseSearchForm(PublicForm):
    numero = forms.CharField(
        label=_("Numéro de téléphone"),
        max_length=30,
        error_messages={"required": _("Saisissez un numéro de téléphone.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def clean_numero(self):
        """The number in E.164, however it was typed: `09 72 10 20 30`, `+33972102030`, `0033 9...`"""
        typed = self.cleaned_data["numero"]
        invalid = ValidationError(_("Ce numéro de téléphone n'est pas valide."))
        if not PHONE_CHARACTERS.fullmatch(typed):
            raise invalid
        try:
            number = phonenumbers.parse(typed, "FR")
        except phonenumbers.NumberParseException:
            raise invalid from None
        # Possible rather than valid: a number of a newly opened range is still worth looking up.
        if not phonenumbers.is_possible_number(number):
            raise invalid
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def matching_listings(*, name: str, city: str = "", departement: str = ""):
    """Listings whose name starts with `name`, optionally in a city or a département, in directory
    order. Names compare as the sync wrote them (search_key), cities as the commune reference
    spells them (normalise_place_name); each combination of filters has its index."""
    listings = Listing.objects.filter(name_search__startswith=name_search_key(name))
    if city:
        listings = listings.filter(city_search=normalise_place_name(city))
    if departement:
        listings = listings.filter(departement=departement)
    return listings.order_by("name_search", "number").values(*PUBLIC_FIELDS)


@require_safe
@rate_limited
def search(request):
    """Annuaire: search by name or company name, optionally in a city or a département."""
    form = SearchForm.submitted_in(request.GET)
    page = filters = None
    if form.is_bound and form.is_valid():
        listings = matching_listings(
            name=form.cleaned_data["nom"],
            city=form.cleaned_data["ville"],
            departement=form.cleaned_data["departement"],
        )
        page = Paginator(listings, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        filters = urlencode({name: value for name, value in form.data.items() if value})
    return render(request, "directory/search.html", {"form": form, "page": page, "filters": filters})


@require_safe
@rate_limited
def reverse_search(request):
    """Annuaire inversé: who holds a number, only for subscribers who accepted reverse search.

    A listed number whose subscriber refused reverse search gets the very page an unknown number
    gets: the page must not reveal that the number is in the directory.
    """
    form = ReverseSearchForm.submitted_in(request.GET)
    listing = None
    if form.is_bound and form.is_valid():
        listing = (
            Listing.objects.filter(number=form.cleaned_data["numero"], reverse_search=True)
            .values(*PUBLIC_FIELDS)
            .first()
        )
    return render(request, "directory/reverse.html", {"form": form, "listing": listing})
