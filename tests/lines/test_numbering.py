"""The French numbering plan (lines.phone) and everything that reads it: the RIO over every overseas
range and the whole key alphabet, numbers outside the plan, searches by national form, and every
page of an overseas or foreign service."""

from datetime import timedelta

import phonenumbers
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customer_api.services import api_application_create
from directory.staging import _national_number_sql
from lines import urls as lines_urls
from lines.admin import matching_service_ids
from lines.models import Service, ServiceChange
from lines.phone import (
    LAYOUTS,
    METROPOLITAN,
    OVERSEAS_RANGES,
    OVERSEAS_TERRITORIES,
    Category,
    complete_number,
    describe,
    number_prefix,
    overseas_territory,
)
from lines.portability import no_rio_reason, port_out_check, rio_issue
from lines.rio import (
    ALPHABET,
    FIXED_TYPES,
    MOBILE_TYPES,
    REFERENCE_ALPHABET,
    build_rio,
    contract_type_for,
    key_matches,
    parse_rio,
    rio_key,
)
from lines.services import contact_details_apply
from tests.customer_api.conftest import authorised_key, signed_headers
from tests.directory.test_public_directory import make_listing
from tests.factories import INDIVIDUAL_DETAILS, make_contact_details, make_service

CATEGORY_OF_FIRST_DIGIT = {
    "1": Category.GEOGRAPHIC, "2": Category.GEOGRAPHIC, "3": Category.GEOGRAPHIC, "4": Category.GEOGRAPHIC,
    "5": Category.GEOGRAPHIC, "6": Category.MOBILE, "7": Category.MOBILE, "8": Category.SPECIAL,
    "9": Category.NON_GEOGRAPHIC,
}  # fmt: skip
# The letter of a private customer's RIO (lines.rio.contract_type_for) for each category.
LETTER_OF_CATEGORY = {
    Category.GEOGRAPHIC: FIXED_TYPES[0], Category.NON_GEOGRAPHIC: FIXED_TYPES[0], Category.MOBILE: MOBILE_TYPES[1],
    Category.SPECIAL: "A",
}  # fmt: skip


def independent_key(text: str) -> str:
    """The annex's key written another way: Horner's rule over each sum's weights (1, 2, 4)."""
    values = {char: index for index, char in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+")}
    key = ""
    for weight in (1, 2, 4):
        total = 0
        for char in text:
            total = (total * weight + values[char]) % 37
        key += "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+"[total]
    return key


def sample_in(code: str, block: str) -> str:
    """A number of `block` (national digits after the 0) that phonenumbers' metadata holds valid in
    one of the zone's regions: the table of ranges is checked against libphonenumber here."""
    territory = OVERSEAS_TERRITORIES[code]
    fillers = [digit * 9 for digit in "0123456789"] + ["123456789", "987654321", "5" + "0" * 8]
    for filler in fillers:
        e164 = code + (block + filler)[:9]
        parsed = phonenumbers.parse(e164)
        if (
            phonenumbers.is_valid_number(parsed)
            and phonenumbers.region_code_for_number(parsed) in territory.regions
        ):
            return e164
    raise AssertionError(f"phonenumbers knows no number of 0{block} in {territory.regions}")


OVERSEAS_SAMPLES = [(code, block, sample_in(code, block)) for code, blocks in OVERSEAS_RANGES.items()
                    for block in blocks]  # fmt: skip


@pytest.mark.parametrize(("code", "block", "e164"), OVERSEAS_SAMPLES, ids=[s[2] for s in OVERSEAS_SAMPLES])
def test_every_overseas_range(code, block, e164):
    number = describe(e164)
    national = "0" + e164[len(code) :]
    assert number.territory is OVERSEAS_TERRITORIES[code] and overseas_territory(e164) is number.territory
    assert number.national == national and national.startswith("0" + block) and len(national) == 10
    assert number.display == f"{national[:4]} {national[4:6]} {national[6:8]} {national[8:]}"
    assert number.category == CATEGORY_OF_FIRST_DIGIT[national[1]]
    parsed = phonenumbers.parse(e164)
    assert phonenumbers.national_significant_number(parsed) == national[1:]
    # Typed nationally, in any usual form, it is the zone's number, never +33.
    for typed in (national, number.display, f"{national[:2]} {national[2:4]} {national[4:6]} {national[6:]}"):
        assert complete_number(typed) == e164 and number_prefix(typed) == e164
    assert number_prefix("0" + block) == code + block  # found as soon as the range is typed
    # Its RIO: computed over its 10 national digits, with the letter of its category.
    assert no_rio_reason(e164) is None
    contract_type = contract_type_for(national, business=False)
    assert contract_type == LETTER_OF_CATEGORY[number.category]
    rio = build_rio("01", contract_type, "EROY4P", national)
    assert rio[9:] == independent_key("01" + contract_type + "EROY4P" + national)
    assert key_matches(parse_rio(rio), national)
    # The same digits under +33 are not a metropolitan number: the plan gives them to the zone.
    misplaced = describe("+33" + national[1:])
    assert misplaced.category == Category.OUTSIDE and misplaced.misplaced_in is number.territory
    assert no_rio_reason(misplaced.e164)


@pytest.mark.parametrize(
    ("e164", "national", "display", "category", "business", "letter"),
    [
        ("+33199000101", "0199000101", "01 99 00 01 01", Category.GEOGRAPHIC, False, "F"),
        ("+33261910201", "0261910201", "02 61 91 02 01", Category.GEOGRAPHIC, True, "G"),
        ("+33353010301", "0353010301", "03 53 01 03 01", Category.GEOGRAPHIC, False, "F"),
        ("+33465710000", "0465710000", "04 65 71 00 00", Category.GEOGRAPHIC, False, "F"),
        ("+33536490000", "0536490000", "05 36 49 00 00", Category.GEOGRAPHIC, False, "F"),
        ("+33612345678", "0612345678", "06 12 34 56 78", Category.MOBILE, False, "P"),
        ("+33712345678", "0712345678", "07 12 34 56 78", Category.MOBILE, True, "E"),
        ("+33899123456", "0899123456", "08 99 12 34 56", Category.SPECIAL, True, "A"),
        ("+33972102030", "0972102030", "09 72 10 20 30", Category.NON_GEOGRAPHIC, True, "G"),
    ],
)
def test_metropolitan_numbers(e164, national, display, category, business, letter):
    number = describe(e164)
    assert (number.territory, number.national, number.display, number.category) == (
        METROPOLITAN, national, display, category)  # fmt: skip
    assert overseas_territory(e164) is None
    assert complete_number(display) == e164 == complete_number(national)
    assert no_rio_reason(e164) is None and contract_type_for(national, business) == letter


def test_m2m_numbers_have_fourteen_national_digits_and_no_rio():
    number = describe("+337001234567890")
    assert (number.territory, number.category) == (METROPOLITAN, Category.M2M)
    assert number.national == "07001234567890" and number.display == "07 00 12 34 56 78 90"
    assert complete_number("07 00 12 34 56 78 90") == "+337001234567890"
    assert "M2M" in str(no_rio_reason("+337001234567890"))
    with pytest.raises(ValueError):  # the key is defined over 10 national digits
        rio_key("01", "P", "EROY4P", number.national)


def test_saint_pierre_et_miquelon():
    """Its six-digit numbers are its own plan (no RIO: the key needs 10 digits); its newer 10-digit
    mobile blocks are in the national plan and carry one."""
    six = describe("+508411234")
    assert (six.territory, six.national, six.display) == (OVERSEAS_TERRITORIES["+508"], "411234", "41 12 34")
    assert "Saint-Pierre-et-Miquelon" in str(no_rio_reason("+508411234"))
    assert complete_number("+508 41 12 34") == "+508411234"
    ten = describe("+508708401234")
    assert (
        ten.category == Category.MOBILE and ten.national == "0708401234" and no_rio_reason(ten.e164) is None
    )


@pytest.mark.parametrize(
    "e164", ["+2693212345", "+269773212345", "+447911123456", "+14155550100", "+3228888888", "+33012345678"]
)
def test_numbers_outside_the_plan(e164):
    """+269 is the Comoros' (Mayotte left it for +262 in 2007); the others are foreign or malformed."""
    number = describe(e164)
    assert (number.territory, number.category, number.national, number.display) == (
        None, Category.OUTSIDE, "", e164)  # fmt: skip
    assert "plan de numérotation français" in str(no_rio_reason(e164))


def test_every_layout_has_a_territory():
    assert {layout.country_code for layout in LAYOUTS} == {"+33", *OVERSEAS_TERRITORIES}
    assert "+269" not in OVERSEAS_TERRITORIES


# The whole key alphabet


def test_the_alphabet_values():
    assert [ALPHABET.index(char) for char in ALPHABET] == list(range(37))
    assert ALPHABET[:26] == "ABCDEFGHIJKLMNOPQRSTUVWXYZ" and ALPHABET[26:36] == "0123456789"
    assert ALPHABET[36] == "+" and ALPHABET[:36] == REFERENCE_ALPHABET


@pytest.mark.parametrize("char", list(REFERENCE_ALPHABET))
@pytest.mark.parametrize("position", range(6))
def test_every_reference_character_in_every_position(char, position):
    """Each letter and digit, at each place of the reference, counts with its own value."""
    national = "0590201234"
    reference = "A" * position + char + "9" * (5 - position)
    key = rio_key("01", "F", reference, national)
    assert key == independent_key("01F" + reference + national)
    assert key_matches(parse_rio("01F" + reference + key), national)


@pytest.mark.parametrize("char", list(ALPHABET))
@pytest.mark.parametrize("position", range(3))
def test_every_key_character_in_every_position(char, position):
    """A reference is found whose key holds `char` at `position` (the '+' included): the RIO is
    well formed and its key matches an overseas number."""
    national = "0692123456"
    for first in REFERENCE_ALPHABET:
        for second in REFERENCE_ALPHABET:
            reference = first + second + "ZZ00"
            key = rio_key("01", "P", reference, national)
            if key[position] == char:
                assert key == independent_key("01P" + reference + national)
                assert key_matches(parse_rio("01P" + reference + key), national)
                return
    raise AssertionError(f"no key with {char!r} at {position}")


# Searches by national form

GUADELOUPE = {**INDIVIDUAL_DETAILS, "postcode": "97110", "city": "Pointe-à-Pitre"}
REUNION = {**INDIVIDUAL_DETAILS, "postcode": "97400", "city": "Saint-Denis"}


@pytest.fixture
def overseas(customer):
    service = make_service(customer, number="+590590201234")
    contact_details_apply(service=service, details=GUADELOUPE, publication={"listed": False}, actor=customer)
    service.refresh_from_db()
    return service


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["0590 20 12 34", "0590201234", "05.90.20.12.34", "+590 590 20 12 34"])
def test_the_admin_search_finds_an_overseas_number_typed_nationally(overseas, typed):
    make_service(overseas.billing_account.owner, number="+33590201234")  # the wrong code: not it
    assert matching_service_ids(typed) == [overseas.pk]
    assert overseas.pk in matching_service_ids("0590 20")


@pytest.mark.django_db
def test_the_admin_changelist_search(client, support_staff, overseas):
    client.force_login(support_staff)
    page = client.get(reverse("admin:lines_service_changelist"), {"q": "0590 20 12 34"}).content.decode()
    assert "0590 20 12 34" in page


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["0590 20 12 34", "0590 20", "0590"])
def test_the_panel_search_finds_an_overseas_number_typed_nationally(client, customer, overseas, typed):
    make_service(customer, number="+33199000001", label="Autre")
    client.force_login(customer)
    page = client.get(reverse("service_list"), {"q": typed})
    assert [service.pk for service in page.context["page"]] == [overseas.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["0262 12 34 56", "0262123456", "+262 262 12 34 56", "00262262123456"])
def test_the_reverse_directory_finds_an_overseas_number_typed_nationally(client, customer, typed):
    make_listing(customer, "Payet Lucie", number="+262262123456", postcode="97400", city="Saint-Denis",
                 departement="974")  # fmt: skip
    page = client.get(reverse("directory_reverse"), {"numero": typed}).content.decode()
    assert "Payet Lucie" in page and "0262 12 34 56" in page


@pytest.mark.django_db
def test_the_port_out_check_of_an_overseas_number_typed_nationally(overseas):
    rio = rio_issue(overseas)
    assert rio and key_matches(parse_rio(rio), "0590201234") and rio[2] == "F"
    result = port_out_check(number="0590 20 12 34", rio=rio, channel="test", checked_by="tests")
    assert (result.eligible, result.ground) == (True, "eligible")


@pytest.mark.django_db
def test_an_overseas_mobile_gets_a_mobile_rio(customer):
    service = make_service(customer, number="+262692123456")
    contact_details_apply(service=service, details=REUNION, publication={"listed": False}, actor=customer)
    service.refresh_from_db()
    assert service.rio[2] == "P" and key_matches(parse_rio(service.rio), "0692123456")


@pytest.mark.django_db
def test_the_port_out_check_of_a_number_without_rio_says_why(customer):
    foreign = make_service(customer, number="+447911123456")
    make_contact_details(foreign)
    result = port_out_check(number="+44 7911 123456", rio="01PEROY4P4TR", channel="test", checked_by="t")
    assert result.ground == "rio_not_this_number"
    assert result.hints == [
        "Ce numéro n'appartient pas au plan de numérotation français : il n'a pas de RIO."
    ]


# Every page of an overseas or foreign service

NUMBERS = {
    "+590590201234": GUADELOUPE,
    "+262262123456": REUNION,
    "+262639012345": {**INDIVIDUAL_DETAILS, "postcode": "97600", "city": "Mamoudzou"},
    "+594594101234": {**INDIVIDUAL_DETAILS, "postcode": "97300", "city": "Cayenne"},
    "+596696201234": {**INDIVIDUAL_DETAILS, "postcode": "97200", "city": "Fort-de-France"},
    "+508411234": {**INDIVIDUAL_DETAILS, "postcode": "97500", "city": "Saint-Pierre"},
    "+337001234567890": INDIVIDUAL_DETAILS,
    "+2693212345": INDIVIDUAL_DETAILS,
    "+447911123456": INDIVIDUAL_DETAILS,
    "+33590201234": INDIVIDUAL_DETAILS,
}


# Every panel page of one service, read from lines/urls.py: a page added later is walked too (the
# history entry, which needs a change, below; the operator API, token-only, has its own tests).
SERVICE_PAGES = [
    pattern.name
    for pattern in lines_urls.urlpatterns
    if str(pattern.pattern).startswith("telephonie/<e164:number>/") and str(pattern.pattern).count("<") == 1
]


def test_the_walk_covers_the_service_pages():
    assert {"service_overview", "service_contact", "service_contact_edit", "service_history"} <= set(
        SERVICE_PAGES
    )


@pytest.mark.django_db
@pytest.mark.parametrize("with_details", [True, False], ids=["details", "no-details"])
@pytest.mark.parametrize("e164", NUMBERS)
def test_every_page_of_the_service_answers_200(client, customer, support_staff, e164, with_details):
    service = make_service(customer, number=e164)
    if with_details:
        contact_details_apply(service=service, details=NUMBERS[e164], publication={"listed": True},
                              actor=customer)  # fmt: skip
        service.refresh_from_db()
    reason = no_rio_reason(e164)
    assert bool(service.rio) == (with_details and reason is None)
    client.force_login(customer)
    digits = service.number_digits
    for name in SERVICE_PAGES:
        response = client.get(reverse(name, args=[digits]))
        assert response.status_code == 200, name
    overview = client.get(reverse("service_overview", args=[digits])).content.decode()
    assert describe(e164).display in overview
    if reason:
        assert str(reason).replace("'", "&#x27;") in overview
    for change in ServiceChange.objects.filter(service=service):
        assert client.get(reverse("service_change", args=[digits, change.pk])).status_code == 200
    assert client.get(reverse("service_list")).status_code == 200

    client.force_login(support_staff)
    admin_page = client.get(reverse("admin:lines_service_change", args=[service.pk]))
    assert admin_page.status_code == 200
    shown = admin_page.content.decode()
    assert (service.rio in shown) if service.rio else (str(reason or "—").replace("'", "&#x27;") in shown)

    application = api_application_create(owner=customer, name="Script")
    key = authorised_key(application, customer)
    path = f"/1.0/telephony/al10001-1/service/00{digits}"
    api = Client().get(path, **signed_headers(application, key, "GET", "http://testserver" + path))
    assert api.status_code == 200 and api.json()["rio"] == service.rio
    directory = Client().get(
        path + "/directory",
        **signed_headers(application, key, "GET", "http://testserver" + path + "/directory"),
    )
    assert directory.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "e164",
    [s[2] for s in OVERSEAS_SAMPLES] + ["+33199000101", "+337001234567890", "+508411234", "+2693212345",
                                        "+269773212345", "+447911123456", "+33590201234"],
)  # fmt: skip
def test_the_syncs_national_form_is_the_panels(e164):
    """directory.staging writes the national form in SQL from the same layouts: both agree on every
    overseas range and every number outside the plan (+269 is not French)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_national_number_sql('t.n')} FROM (SELECT CAST(%s AS text) AS n) t", [e164])
        assert cursor.fetchone()[0] == describe(e164).display


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("number", "typed", "details", "ground"),
    [
        ("+590590201234", "0590 20 12 34", GUADELOUPE, "eligible"),  # fixed: 40 days after termination
        ("+262976301234", "0976 30 12 34", REUNION, "eligible"),  # non-geographic 09: fixed too
        ("+590690201234", "0690 20 12 34", GUADELOUPE, "inactive_number"),  # mobile: only while active
    ],
)
def test_the_40_day_window_follows_the_category_overseas(customer, number, typed, details, ground):
    service = make_service(customer, number=number)
    contact_details_apply(service=service, details=details, publication={"listed": False}, actor=customer)
    service.refresh_from_db()
    Service.objects.filter(pk=service.pk).update(
        state="terminated", terminated_at=timezone.now() - timedelta(days=10)
    )
    assert port_out_check(number=typed, rio=service.rio, channel="test", checked_by="tests").ground == ground


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033 (0)1 99 00 01 01", "+33199000101"),
        ("+33 0 9 72 10 20 30", "+33972102030"),
        ("+262 (0)692 12 34 56", "+262692123456"),
        ("+590 (0)590 20 12 34", "+590590201234"),
    ],
)
def test_the_trunk_zero_written_after_a_code_of_the_plan_is_dropped(typed, e164):
    """ "+33 (0)6 ..." is how many people write a French number for abroad: E.164 has no 0 there."""
    assert number_prefix(typed) == e164 and complete_number(typed) == e164


@pytest.mark.parametrize("e164", ["+33²12345678", "+3361234567٨", "+262٢62123456"])
def test_non_ascii_digits_are_no_number_of_the_plan(e164):
    assert describe(e164).category == Category.OUTSIDE
