"""Whatever contact details the database accepts fit every listing column (issue 9: one record
too long for a column blocked its whole batch). The longest value of every field, in letters
that upper-casing lengthens, through every transformation a listing applies."""

import itertools

import pytest

from directory.listing import listing_for, name_search_key
from directory.models import NAME_SEARCH_LENGTH, Listing, Publication
from lines.models import ContactDetails, Service

# "ß" upper-cases to "SS", "ŉ" to two characters too: a search key may be longer than its name.
LONG_LETTERS = "ßŉ"


def longest(field: str) -> str:
    length = ContactDetails._meta.get_field(field).max_length
    return (LONG_LETTERS * length)[:length]


def longest_details(legal_form) -> ContactDetails:
    identity = {
        field: longest(field) for field in ContactDetails.IDENTITY_FIELDS[legal_form] if field != "email"
    }
    street_type = max(
        ContactDetails.street_type_labels(), key=lambda value: len(ContactDetails.street_type_labels()[value])
    )
    suffix = max(ContactDetails.StreetNumberSuffix.values, key=len)
    return ContactDetails(
        service=Service(number="+262262123456"),
        legal_form=legal_form,
        street_number=2**31 - 1,  # the largest a PositiveIntegerField stores
        street_number_suffix=suffix,
        street_type=street_type,
        street_name=longest("street_name"),
        address_complement=longest("address_complement"),
        postcode="97400",
        city=longest("city"),
        departement="974",
        **identity,
    )


@pytest.mark.parametrize(
    ("legal_form", "name_display", "address_display"),
    list(itertools.product(ContactDetails.LegalForm.values, ["full", "initial"], ["full", "city"])),
)
def test_the_longest_details_fit_every_listing_column(legal_form, name_display, address_display):
    publication = Publication(listed=True, name_display=name_display, address_display=address_display,
                              line_designation="x" * 40)  # fmt: skip
    listing = listing_for(longest_details(legal_form), publication)
    for column in ("number", "national_number", "name", "activity", "line_designation", "street", "postcode",
                   "city", "departement"):  # fmt: skip
        value = getattr(listing, column)
        assert len(value) <= Listing._meta.get_field(column).max_length, (column, len(value))
    key = name_search_key(listing.name)
    assert len(key) <= NAME_SEARCH_LENGTH and len(key.encode()) < 2704 // 3  # far below a B-tree entry
    if legal_form == "individual" and address_display == "full":
        assert len(listing.street) == Listing._meta.get_field("street").max_length  # the bound is tight


def test_a_search_key_cut_to_its_column_still_finds_its_name():
    name = "Ŋ" * 150
    assert name_search_key(name) == name_search_key(name_search_key(name))
    assert name_search_key(name).startswith(name_search_key(name[:20]))
