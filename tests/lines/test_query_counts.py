"""Pages cost the same number of SQL queries whatever the number of services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import Publication
from lines.models import Service
from tests.factories import make_contact_details

pytestmark = pytest.mark.django_db


def add_services(owner, count, start):
    account = owner.billing_accounts.first()
    services = Service.objects.bulk_create(
        Service(
            billing_account=account, kind="number" if i % 2 else "line", number=f"+3319901{start + i:04d}"
        )
        for i in range(count)
    )
    Publication.objects.bulk_create(Publication(service=s, listed=False) for s in services[::3])
    for service in services[::5]:
        make_contact_details(service)
    return services


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["service_list", "service_list_search", "service_overview", "service_contact",
                                  "service_contact_edit", "service_history"])  # fmt: skip
def test_queries_do_not_grow_with_the_number_of_services(client, customer, path):
    client.force_login(customer)
    first = add_services(customer, 10, start=0)[0]

    def url():
        if path == "service_list":
            return reverse("service_list")
        if path == "service_list_search":
            return reverse("service_list") + "?q=0199&etat=a-completer"
        return reverse(path, args=[first.number_digits])

    queries_for(client, url())  # first visit issues the service's RIO once; not what is measured
    with_10 = queries_for(client, url())
    add_services(customer, 490, start=10)
    with_500 = queries_for(client, url())
    assert with_10 == with_500
