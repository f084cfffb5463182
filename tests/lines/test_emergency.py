"""The emergency location feed: full and since a date, never redacted, gaps reported."""

import csv
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from directory.models import Publication
from lines.emergency import export_emergency_locations
from lines.models import ContactDetails, Service
from tests.factories import make_contact_details, make_service

pytestmark = pytest.mark.django_db
TOKEN = "call-routing-secret-token"


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def lines(customer):
    """A line in Paris 11e listed with every restriction, and a line without an address."""
    paris = make_service(customer, number="+33199000051")
    make_contact_details(paris, street_number=8, street_number_suffix="bis", street_type="boulevard",
                         street_name="Voltaire", address_complement="Bâtiment B")  # fmt: skip
    Publication.objects.create(service=paris, listed=True, name_display="initial", address_display="city",
                               status="synced", in_directory=True)  # fmt: skip
    missing = make_service(customer, number="+33199000052")
    return paris, missing


def test_the_full_export_has_every_active_line_unredacted(lines, tmp_path):
    export = export_emergency_locations(folder=tmp_path, now=timezone.now())
    (row,) = read(export.locations)
    assert row == {
        "action": "upsert", "number": "+33199000051", "insee_code": "75056", "departement": "75",
        "arrondissement_insee": "75111", "street": "8 bis boulevard Voltaire", "complement": "Bâtiment B",
        "postcode": "75011", "city": "Paris", "country": "FR", "updated_at": row["updated_at"],
    }  # fmt: skip
    # "City only" in the directory never reaches the emergency feed.
    assert [r["number"] for r in read(export.unresolved)] == ["+33199000052"]
    assert not list(tmp_path.glob(".*"))  # no temporary file left


def test_changes_since_a_date_and_terminated_lines(lines, customer, tmp_path):
    old = make_service(customer, number="+33199000053")
    make_contact_details(old)
    gone = make_service(customer, number="+33199000054")
    make_contact_details(gone)
    long_ago = timezone.now() - timedelta(days=60)
    ContactDetails.objects.filter(service__in=[old, gone]).update(updated_at=long_ago)
    Service.objects.filter(pk__in=[old.pk, gone.pk]).update(created_at=long_ago)
    Service.objects.filter(pk=gone.pk).update(state="terminated", terminated_at=timezone.now())

    export = export_emergency_locations(
        folder=tmp_path, now=timezone.now(), since=timezone.now() - timedelta(days=1)
    )

    rows = [(row["action"], row["number"]) for row in read(export.locations)]
    assert rows == [("upsert", "+33199000051"), ("remove", "+33199000054")]


def test_the_command_reports_both_files(lines, tmp_path):
    out = StringIO()
    call_command("export_emergency_locations", "--output", str(tmp_path), "--no-progress", stdout=out)
    assert "1 localisation :" in out.getvalue() and "1 service sans adresse" in out.getvalue()
    call_command("export_emergency_locations", "--output", str(tmp_path), "--since", "2026-01-01",
                 "--no-progress", stdout=StringIO())  # fmt: skip
    assert len(list(tmp_path.glob("urgence-*-depuis-20260101.csv"))) == 1


def test_the_endpoint_answers_the_operators_systems_only(client, settings, lines):
    settings.OPERATOR_API_TOKENS = [f"routing:urgence:{TOKEN}"]
    paris, missing = lines
    url = reverse("api_emergency_location", args=[paris.number_digits])
    assert client.get(url).status_code == 401
    response = client.get(url, headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert (
        response.json()["insee_code"] == "75056" and response.json()["street"] == "8 bis boulevard Voltaire"
    )
    gap = client.get(reverse("api_emergency_location", args=[missing.number_digits]),
                     headers={"authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert gap.status_code == 409 and gap.json()["error"] == "address_missing"
    unknown = client.get(reverse("api_emergency_location", args=["33199999999"]),
                         headers={"authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert unknown.status_code == 404


def test_the_coordonnees_tab_explains_emergency_routing(client, customer, lines):
    paris, _ = lines
    client.force_login(customer)
    page = client.get(reverse("service_contact", args=[paris.number_digits])).content.decode()
    assert "Les appels d'urgence (15, 17, 18, 112, 114…)" in page and "code INSEE 75056" in page
    assert "ne changent jamais cette adresse" in page
    listing = client.get(reverse("service_list")).content.decode()
    assert "Appels d'urgence : adresse à compléter." in listing


def test_the_command_runs_as_the_readme_shows_it_with_its_progress_bar(lines, settings, tmp_path, capsys):
    """`manage.py export_emergency_locations`, no option: the progress bar is on (it once crashed)."""
    settings.EMERGENCY_EXPORT_DIR = tmp_path
    call_command("export_emergency_locations")
    out, err = capsys.readouterr()
    assert "1 localisation :" in out and "Urgence" in err
    assert len(list(tmp_path.glob("urgence-*-complet.csv"))) == 1
