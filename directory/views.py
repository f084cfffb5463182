"""The public directory (/annuaire/): anyone may search it, no login.

It shows only what the sync wrote into `Listing`, the entries as their subscribers chose to
publish them, and only the fields a printed directory shows. A search needs three letters of
the name and a city or a département, and answers at most PUBLIC_DIRECTORY_MAX_RESULTS listings
(saying when there are more, never how many): no short prefix walks the whole directory. Every
request counts against the rate limits (directory.throttle). The reverse search answers a number
that is listed but kept out of the reverse directory exactly as it answers a number that is not
listed at all.
"""

import re
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from lines.communes import normalise_place_name
from lines.phone import complete_number

from .listing import name_search_key, search_key
from .models import Listing
from .throttle import rate_limited

MIN_NAME_LETTERS = 3  # letters, spaces, punctuation and digits aside
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
        if sum(character.isalpha() for character in search_key(name)) < MIN_NAME_LETTERS:
            raise ValidationError(
                _("Saisissez au moins %(count)d lettres du nom ou de la dénomination."),
                params={"count": MIN_NAME_LETTERS},
            )
        return name

    def clean_departement(self):
        code = self.cleaned_data["departement"].upper()
        if re.fullmatch(r"[1-9]", code):
            code = f"0{code}"  # Ain is 01, but people type 1
        if code and not DEPARTEMENT_CODE.fullmatch(code):
            raise ValidationError(_("Département inconnu : saisissez son numéro, par exemple 75, 2A ou 974."))
        return code

    def clean(self):
        """A name is searched in a city or a département, never in the whole country."""
        cleaned = super().clean()
        if "ville" in self.errors or "departement" in self.errors:
            return cleaned  # their own errors say what is wrong
        if not normalise_place_name(cleaned["ville"]) and not cleaned["departement"]:
            raise ValidationError(
                _(
                    "Précisez la ville ou le département : l'annuaire ne cherche pas un nom dans toute la France."
                )
            )
        return cleaned


class ReverseSearchForm(PublicForm):
    numero = forms.CharField(
        label=_("Numéro de téléphone"),
        max_length=30,
        error_messages={"required": _("Saisissez un numéro de téléphone.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def clean_numero(self):
        """The number in E.164, however it was typed: `09 72 10 20 30`, `+33972102030`, `0033 9...`,
        an overseas number in its national form (`0590 20 12 34`: +590590201234)."""
        typed = self.cleaned_data["numero"]
        number = complete_number(typed) if PHONE_CHARACTERS.fullmatch(typed) else None
        if number is None:
            raise ValidationError(_("Ce numéro de téléphone n'est pas valide."))
        return number


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
    """Annuaire: search by name or company name, in a city or a département.

    One page of at most PUBLIC_DIRECTORY_MAX_RESULTS listings, read with a LIMIT one past the cap
    to know whether there are more; the total is never counted, let alone shown."""
    form = SearchForm.submitted_in(request.GET)
    cap = settings.PUBLIC_DIRECTORY_MAX_RESULTS
    listings = None
    more = False
    if form.is_bound and form.is_valid():
        found = list(
            matching_listings(
                name=form.cleaned_data["nom"],
                city=form.cleaned_data["ville"],
                departement=form.cleaned_data["departement"],
            )[: cap + 1]
        )
        listings, more = found[:cap], len(found) > cap
    return render(
        request,
        "directory/search.html",
        {"form": form, "listings": listings, "more": more, "max_results": cap},
    )


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
