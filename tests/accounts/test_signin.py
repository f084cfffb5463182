"""Sign-in protection: lockout per account and per address, reset by e-mail, password change,
idle sessions and the second factor, through the real pages."""

import re
import time

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

LIMIT = 10  # SIGNIN_FAILURE_LIMIT's default


def sign_in(client, username, password, *, address="203.0.113.7", url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)  # fmt: skip


def code_of(device, *, offset=0):
    """The device's code, `offset` steps ahead: a code once accepted is never accepted again, so a
    test that signs in twice within 30 s uses the next one (inside the device's tolerance)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(client, customer):
    for attempt in range(LIMIT - 1):
        assert sign_in(client, "alice", f"wrong-{attempt}").status_code == 200
    locked = sign_in(client, "alice", "wrong-again")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Connexion temporairement bloquée" in page and "15 minutes" in page
    assert locked["Retry-After"] == "900"
    # From anywhere, with the right password: still locked.
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.9").status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_on_the_admin_sign_in_count_too(client, support_staff):
    for attempt in range(LIMIT):
        sign_in(client, "sam", f"wrong-{attempt}", url=reverse("admin:login"))
    assert (
        sign_in(client, "sam", PASSWORD, url=reverse("admin:login"), address="198.51.100.9").status_code
        == 429
    )


def test_an_address_is_locked_after_failures_on_many_accounts(client, customer, other_customer):
    for attempt in range(LIMIT):
        sign_in(client, f"guess-{attempt}", "wrong", address="203.0.113.66")
    assert sign_in(client, "alice", PASSWORD, address="203.0.113.66").status_code == 429
    # Another address is not concerned.
    assert sign_in(client, "bob", PASSWORD, address="203.0.113.67").status_code == 302


def test_an_ipv6_client_cannot_dodge_the_lockout_by_changing_address_within_its_64(client, customer):
    for attempt in range(LIMIT):
        sign_in(client, f"guess-{attempt}", "wrong", address=f"2001:db8:1:2::{attempt + 1:x}")
    assert sign_in(client, "alice", PASSWORD, address="2001:db8:1:2::ffff").status_code == 429
    assert sign_in(client, "alice", PASSWORD, address="2001:db8:1:3::1").status_code == 302


def test_support_unlocks_an_account_in_the_admin(client, customer, support_staff):
    for attempt in range(LIMIT):
        sign_in(client, "alice", f"wrong-{attempt}")
    assert sign_in(client, "alice", PASSWORD).status_code == 429
    admin = client.__class__()
    admin.force_login(support_staff)
    attempts = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert attempts.status_code == 200 and "alice" in attempts.content.decode()
    for attempt in AccessAttempt.objects.filter(username="alice"):
        response = admin.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
        assert response.status_code == 302
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.9").status_code == 302


def test_a_forgotten_password_is_reset_by_e_mail(client, customer):
    customer.email = "alice@example.org"
    customer.save()
    page = client.post(reverse("password_reset"), {"email": "alice@example.org"}, follow=True)
    assert "Vérifiez votre messagerie" in page.content.decode()
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"] and "alice" in message.body
    link = re.search(r"https?://[^/]+(/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Choisir un nouveau mot de passe" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Un-nouveau-secret-42",
                                                    "new_password2": "Un-nouveau-secret-42"})  # fmt: skip
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert sign_in(client, "alice", "Un-nouveau-secret-42").status_code == 302
    # The link served once.
    client.logout()
    assert "plus valable" in client.get(link, follow=True).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, customer):
    page = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "Vérifiez votre messagerie" in page.content.decode()
    assert mail.outbox == []


def test_a_customer_changes_the_password_with_the_current_one(client, customer):
    client.force_login(customer)
    wrong = client.post(reverse("password_change"), {"old_password": "nope", "new_password1": "Un-autre-secret-77",
                                                     "new_password2": "Un-autre-secret-77"})  # fmt: skip
    assert wrong.status_code == 200
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    right = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "Un-autre-secret-77",
                                                     "new_password2": "Un-autre-secret-77"})  # fmt: skip
    assert right.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("Un-autre-secret-77")
    assert client.get(reverse("service_list")).status_code == 200  # this session stays signed in


def test_a_session_ends_after_the_idle_time(client, customer, settings):
    settings.SESSION_IDLE_TIMEOUT = 1800
    client.force_login(customer)
    assert client.get(reverse("service_list")).status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 1801
    session.save()
    response = client.get(reverse("service_list"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "30 minutes sans activité" in response.content.decode()


def test_an_active_session_goes_on(client, customer, settings):
    settings.SESSION_IDLE_TIMEOUT = 1800
    client.force_login(customer)
    client.get(reverse("service_list"))
    session = client.session
    session["last_seen"] = int(time.time()) - 1700
    session.save()
    assert client.get(reverse("service_list")).status_code == 200
    assert client.session["last_seen"] >= int(time.time()) - 5  # the activity was recorded


def enable_second_factor(client):
    client.post(reverse("otp_start"))
    device = TOTPDevice.objects.get(confirmed=False)
    page = client.get(reverse("otp_setup")).content.decode()
    assert "<svg" in page
    assert client.post(reverse("otp_setup"), {"otp_token": "000000" if code_of(device) != "000000" else "111111"}
                       ).status_code == 200  # fmt: skip
    device.refresh_from_db()
    assert not device.confirmed
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    assert client.post(reverse("otp_setup"), {"otp_token": code_of(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_with_the_second_factor_on_a_code_is_asked_after_the_password(client, customer):
    client.force_login(customer)
    device = enable_second_factor(client)
    client.logout()
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    gate = client.get(reverse("service_list"))
    assert gate.status_code == 302 and gate["Location"].startswith(reverse("otp_verify"))
    assert client.get(reverse("admin:index")).status_code == 302
    wrong = client.post(reverse("otp_verify"), {"otp_token": "12345"})
    assert "6 chiffres" in wrong.content.decode()
    device.refresh_from_db()
    passed = client.post(f"{reverse('otp_verify')}?next={reverse('service_list')}",
                         {"otp_token": code_of(device, offset=1), "next": reverse("service_list")})  # fmt: skip
    assert passed.status_code == 302 and passed["Location"] == reverse("service_list")
    assert client.get(reverse("service_list")).status_code == 200


def test_the_code_page_does_not_redirect_elsewhere(client, customer):
    client.force_login(customer)
    device = enable_second_factor(client)
    client.logout()
    sign_in(client, "alice", PASSWORD)
    device.refresh_from_db()
    passed = client.post(
        reverse("otp_verify"), {"otp_token": code_of(device, offset=1), "next": "https://evil.example/"}
    )
    assert passed["Location"] == reverse("home")


def test_turning_the_second_factor_off_takes_a_current_code(client, customer):
    client.force_login(customer)
    device = enable_second_factor(client)
    client.post(reverse("otp_disable"), {"otp_token": "not-a-code"})
    assert TOTPDevice.objects.filter(user=customer, confirmed=True).exists()
    device.refresh_from_db()
    client.post(reverse("otp_disable"), {"otp_token": code_of(device, offset=1)})
    assert not TOTPDevice.objects.filter(user=customer).exists()


@pytest.mark.parametrize("required", [True, False])
def test_staff_must_set_up_a_second_factor_when_required(client, support_staff, settings, required):
    settings.OTP_REQUIRED_FOR_STAFF = required
    client.force_login(support_staff)
    response = client.get(reverse("admin:index"))
    if not required:
        assert response.status_code == 200
        return
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_setup"))
    assert "doivent utiliser la double authentification" in client.get(response["Location"]).content.decode()
    enable_second_factor(client)
    assert client.get(reverse("admin:index")).status_code == 200


def test_failed_sign_ins_are_logged_without_the_whole_identifier_or_address(client, customer, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    for attempt in range(LIMIT):
        sign_in(client, "alice", f"wrong-{attempt}", address="203.0.113.7")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Locking out" in logged and "al…" in logged and "203.0.113.0/24" in logged
    assert "alice" not in logged and "203.0.113.7" not in logged
    assert "wrong-" not in logged


def test_the_reset_form_cannot_flood_a_mailbox(client, customer, settings):
    from django.core.cache import cache

    cache.clear()
    settings.PASSWORD_RESET_MAILS_PER_HOUR = 3
    customer.email = "alice@example.org"
    customer.save()
    for _ in range(6):
        page = client.post(reverse("password_reset"), {"email": "ALICE@example.org"}, follow=True)
        assert "Vérifiez votre messagerie" in page.content.decode()
    assert len(mail.outbox) == 3
    cache.clear()


def test_the_password_alone_cannot_replace_or_skip_a_second_factor(client, customer):
    """With a device, a session that only passed the password reaches the code page, nothing else:
    not the set-up pages, which would let it swap the device for one of its own."""
    client.force_login(customer)
    device = enable_second_factor(client)
    client.logout()
    sign_in(client, "alice", PASSWORD)
    for method, url in (("post", reverse("otp_start")), ("get", reverse("otp_setup")),
                        ("post", reverse("otp_setup")), ("get", reverse("account_security")),
                        ("post", reverse("otp_disable"))):  # fmt: skip
        response = getattr(client, method)(url, {"otp_token": "123456"} if method == "post" else None)
        assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify")), url
    assert list(TOTPDevice.objects.filter(user=customer)) == [device]
    # Even once verified, a device is replaced only by turning it off first (which takes a code).
    device.refresh_from_db()
    client.post(reverse("otp_verify"), {"otp_token": code_of(device, offset=1)})
    client.post(reverse("otp_start"))
    assert list(TOTPDevice.objects.filter(user=customer)) == [device]


def test_signing_in_to_ones_own_account_does_not_clear_a_spray(client, customer, other_customer):
    for attempt in range(LIMIT - 1):
        sign_in(client, f"victim-{attempt}", "guess", address="203.0.113.90")
    assert sign_in(client, "bob", PASSWORD, address="203.0.113.90").status_code == 302
    client.logout()
    sign_in(client, "victim-x", "guess", address="203.0.113.90")
    assert sign_in(client, "alice", PASSWORD, address="203.0.113.90").status_code == 429


def test_a_new_password_by_e_mail_ends_the_lockout(client, customer):
    customer.email = "alice@example.org"
    customer.save()
    for attempt in range(LIMIT):
        sign_in(client, "alice", f"wrong-{attempt}")
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.9").status_code == 429
    client.post(reverse("password_reset"), {"email": "alice@example.org"})
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": "Un-nouveau-secret-42",
                                             "new_password2": "Un-nouveau-secret-42"})  # fmt: skip
    assert sign_in(client, "alice", "Un-nouveau-secret-42", address="198.51.100.9").status_code == 302


def test_an_active_session_still_ends_after_its_longest_life(client, customer, settings):
    settings.SESSION_COOKIE_AGE = 12 * 3600
    client.force_login(customer)
    assert client.get(reverse("service_list")).status_code == 200
    session = client.session
    session["signed_in_at"] = int(time.time()) - 12 * 3600 - 1
    session["last_seen"] = int(time.time()) - 30  # active a moment ago
    session.save()
    response = client.get(reverse("service_list"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "12 heures" in response.content.decode()


def test_support_unlocks_an_account_with_the_readme_command(client, customer):
    """`manage.py axes_reset_username <identifiant>`, as the README shows it."""
    from io import StringIO

    from django.core.management import call_command

    for attempt in range(LIMIT):
        sign_in(client, "alice", f"wrong-{attempt}")
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.9").status_code == 429
    call_command("axes_reset_username", "alice", stdout=StringIO())
    assert sign_in(client, "alice", PASSWORD, address="198.51.100.9").status_code == 302
