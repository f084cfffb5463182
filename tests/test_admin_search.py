"""A pasted paragraph in a changelist's search box: an answer, never a 500 (telecom_panel.admin_search).
Hypothesis found it: 300 words over the user admin's four search fields built a WHERE clause deeper
than SQLite's 1,000 levels."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.django_db
PARAGRAPH = " ".join(f"' OR {n}={n} --" for n in range(1000))  # 4,000 words


@pytest.mark.parametrize(
    "changelist", ["admin:accounts_user_changelist", "admin:lines_billingaccount_changelist",
                   "admin:notifications_customeremail_changelist"],
)  # fmt: skip
def test_a_pasted_paragraph_is_searched_by_its_first_words(client, changelist):
    make_customer("alice", reference="al10001-1")
    client.force_login(get_user_model().objects.create_superuser("root", password=PASSWORD))
    response = client.get(reverse(changelist), {"q": PARAGRAPH})
    assert response.status_code == 200
    found = client.get(reverse("admin:accounts_user_changelist"), {"q": "alice " + "x " * 300})
    assert found.status_code == 200 and "alice" in found.content.decode()


def test_every_admin_with_a_search_box_bounds_it():
    """Ours and the third-party ones (django-axes' three, django-otp's devices, auth's groups): a new
    admin with Django's own search must take the bound (the hostile-input test found the API
    applications' admin without it)."""
    from django.contrib import admin

    from lines.admin import ServiceAdmin
    from telecom_panel.admin_search import BoundedSearchMixin

    unbounded = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if model_admin.search_fields
        and not isinstance(model_admin, BoundedSearchMixin | ServiceAdmin)  # its own search, by kind of term
        and type(model_admin).__module__.split(".")[0]
        in {"accounts", "lines", "directory", "notifications", "customer_api"}
    ]
    assert unbounded == []
