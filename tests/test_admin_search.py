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
