# ruff: noqa: RUF001 (look-alike characters are what these tests type on purpose)
"""Characters people type, paste or are sent (issue 13, item 3): digits of any script are read as
the digits they are; pictographs and symbols are refused with a French error beside the field,
never a 500 and never stored."""

import pytest
from django.urls import reverse

from directory.models import Publication
from lines.forms import ContactDetailsForm, PublicationForm
from lines.models import ContactDetails
from tests.factories import COMPANY_DETAILS, make_service

pytestmark = pytest.mark.django_db
COMPANY_POST = {**{name: str(value) for name, value in COMPANY_DETAILS.items()}, "country": "FR",
                "listed": "False", "marketing_accepted": "False", "reverse_search": "False",
                "name_display": "full", "address_display": "full", "line_designation": ""}  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("٧٣٢٨٢٩٣٢٠٠٠٠٧٤", "73282932000074"),  # Arabic-Indic: the issue's 500
        ("۷۳۲۸۲۹۳۲۰۰۰۰۷۴", "73282932000074"),  # Extended Arabic-Indic (Persian)
        ("７３２８２９３２００００７４", "73282932000074"),  # full-width, as a Japanese keyboard types them
        ("७३२८२९३२०००७४", None),  # Devanagari, one digit short: refused as 13 digits, not a 500
    ],
)
def test_a_siret_in_any_scripts_digits_is_read_as_its_digits(communes, typed, stored):
    form = ContactDetailsForm({**COMPANY_POST, "siret": typed})
    if stored:
        assert form.is_valid(), form.errors
        assert form.cleaned_data["siret"] == stored
    else:
        assert not form.is_valid() and "14 chiffres" in " ".join(form.errors["siret"])


def test_a_postcode_and_an_ape_code_in_full_width_digits(communes):
    form = ContactDetailsForm({**COMPANY_POST, "postcode": "６９００３", "ape_code": "６２．０１Ｚ"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["postcode"], form.cleaned_data["ape_code"]) == ("69003", "6201Z")


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("street_name", "de la République 🏠"),
        ("company_name", "Exemple SA ✨"),
        ("company_name", "Exemple\ufe0f SA"),  # an emoji's presentation selector alone
        ("designation_complement", "SARL ©"),
        ("street_name", "Rue ☎ du Four"),
    ],
)
def test_pictographs_and_symbols_are_refused_beside_their_field(communes, field, typed):
    form = ContactDetailsForm({**COMPANY_POST, field: typed})
    assert not form.is_valid()
    assert "symboles" in " ".join(form.errors[field])


def test_the_line_description_refuses_pictographs_too():
    form = PublicationForm({"listed": "True", "marketing_accepted": "False", "reverse_search": "False",
                            "line_designation": "Accueil 📞"})  # fmt: skip
    assert not form.is_valid() and "symboles" in " ".join(form.errors["line_designation"])


def test_what_names_and_addresses_really_use_is_accepted(communes):
    form = ContactDetailsForm({**COMPANY_POST, "company_name": "L'Atelier & Fils – Dupont-Lefèvre (S.A.R.L.) n°2",
                               "street_name": "du 8-Mai-1945", "designation_complement": "« Chez Zoé »"})  # fmt: skip
    assert form.is_valid(), form.errors


def test_the_panel_answers_the_issues_siret_with_its_digits_not_a_500(client, customer, communes):
    service = make_service(customer)
    client.force_login(customer)
    response = client.post(reverse("service_contact_edit", args=[service.number_digits]),
                           {**COMPANY_POST, "siret": "٧٣٢٨٢٩٣٢٠٠٠٠٧٤", "street_name": "de la République 🏠"})  # fmt: skip
    assert response.status_code == 400  # the emoji, not the digits
    errors = response.context["details_form"].errors
    assert set(errors) == {"street_name"}
    assert not ContactDetails.objects.filter(service=service).exists()
    assert not Publication.objects.filter(service=service).exists()


def test_the_marketing_options_help_says_what_the_right_covers():
    """CPCE R.10 4°: opposing prospecting covers telephone, post and e-mail, not telephone alone."""
    help_text = str(PublicationForm.base_fields["marketing_accepted"].help_text)
    assert all(means in help_text for means in ("par téléphone", "par courrier", "par e-mail", "R.10"))


@pytest.mark.parametrize(
    ("typed", "known"), [("62.01Z", True), ("8690D", True), ("0000Z", False), ("6201A", False)]
)
def test_an_ape_code_must_exist_in_the_naf(communes, typed, known):
    """Issue 13: `0000Z` and `6201A` have the shape of an APE code and are none (NAF rév. 2, 732 codes)."""
    form = ContactDetailsForm({**COMPANY_POST, "ape_code": typed})
    assert form.is_valid() is known, form.errors
    if not known:
        assert "n'existe pas dans la nomenclature" in " ".join(form.errors["ape_code"])


def test_the_naf_reference_has_the_732_sub_classes_of_rev_2():
    from lines.naf import naf_labels

    labels = naf_labels()
    assert len(labels) == 732
    assert labels["6201Z"] == "Programmation informatique"
    assert all(len(code) == 5 and code[:4].isdigit() and code[4].isupper() for code in labels)


@pytest.mark.parametrize(
    ("postcode", "city", "error"),
    [
        (
            "75020",
            "Paris 11e",
            "Le code postal 75020 est celui du 20e arrondissement, pas du 11e arrondissement",
        ),
        (
            "13001",
            "Marseille 2e",
            "Le code postal 13001 est celui du 1er arrondissement, pas du 2e arrondissement",
        ),
        (
            "69003",
            "Lyon 5eme",
            "Le code postal 69003 est celui du 3e arrondissement, pas du 5e arrondissement",
        ),
        ("75011", "Paris 11e", None),
        ("75001", "Paris 1er arrondissement", None),
        ("69003", "Lyon 3", None),
        ("75020", "Paris", None),
    ],
)
def test_an_arrondissement_that_contradicts_the_postcode_is_refused(communes, postcode, city, error):
    """Issue 13: "75020" + "Paris 11e" was saved as the 20e without a word; the customer said two places."""
    form = ContactDetailsForm({**COMPANY_POST, "postcode": postcode, "city": city})
    assert form.is_valid() is (error is None), form.errors
    if error:
        assert error in " ".join(form.errors["city"])


@pytest.mark.parametrize(
    ("number", "postcode", "city", "refused"),
    [
        ("+262262123456", "97400", "Saint-Denis", False),  # Réunion
        ("+262269612345", "97600", "Mamoudzou", False),  # Mayotte shares +262
        ("+262262123456", "75011", "Paris", True),
        ("+590690123456", "97110", "Pointe-à-Pitre", False),  # a Guadeloupe mobile
        ("+590590271234", "97133", "Saint-Barthélemy", False),
        ("+590590871234", "97150", "Saint-Martin", False),
        ("+594594301234", "97300", "Cayenne", False),
        ("+596596601234", "97200", "Fort-de-France", False),
        ("+596596601234", "97110", "Pointe-à-Pitre", True),  # Martinique's number in Guadeloupe
        ("+508411234", "97500", "Saint-Pierre", False),
        ("+33199000801", "97400", "Saint-Denis", False),  # no rule for a metropolitan number
    ],
)
def test_an_overseas_number_is_installed_in_its_own_territory(client, customer, communes, number, postcode,
                                                              city, refused):  # fmt: skip
    """Issue 13: emergency calls from an overseas number are routed in its territory."""
    service = make_service(customer, number=number)
    client.force_login(customer)
    response = client.post(reverse("service_contact_edit", args=[service.number_digits]),
                           {**COMPANY_POST, "postcode": postcode, "city": city})  # fmt: skip
    if refused:
        assert response.status_code == 400
        assert "son adresse d'installation doit s'y trouver" in " ".join(
            response.context["details_form"].errors["postcode"]
        )
        assert not ContactDetails.objects.filter(service=service).exists()
    else:
        assert response.status_code == 302, response.context and response.context["details_form"].errors
        assert ContactDetails.objects.get(service=service).postcode == postcode


def test_applying_a_metropolitan_address_to_an_overseas_number_fails_for_that_number_only(customer, communes):
    from lines.services import contact_details_apply, contact_details_copy

    source = make_service(customer, number="+33199000901")
    contact_details_apply(service=source, details=dict(COMPANY_DETAILS), publication={"listed": False},
                          actor=customer)  # fmt: skip
    reunion, paris = (
        make_service(customer, number="+262262123457"),
        make_service(customer, number="+33199000902"),
    )
    results = contact_details_copy(source_service=source, targets=[reunion, paris], actor=customer)
    assert [(result.service, result.changed) for result in results] == [(reunion, False), (paris, True)]
    assert "La Réunion ou Mayotte" in results[0].error
    assert not ContactDetails.objects.filter(service=reunion).exists()
