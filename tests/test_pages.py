import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_contact_details, make_service

pytestmark = pytest.mark.django_db


def test_the_login_page_is_served_in_french(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Connexion à votre espace client" in response.content.decode()


def test_the_panel_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_signing_in_leads_to_the_customers_own_services(client, customer, other_customer):
    make_contact_details(make_service(customer, number="+33199000011", label="Bureau"))
    make_service(other_customer, number="+33199000012", label="Secret de Bob")
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "01 99 00 00 11" in page and "Claire Durand" in page
    assert "Secret de Bob" not in page and "01 99 00 00 12" not in page


def test_english_is_available(client):
    response = client.get(reverse("login"), headers={"accept-language": "en"})
    assert "Sign in to your customer area" in response.content.decode()


def test_a_customer_gets_no_admin_page(client, customer):
    client.force_login(customer)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
