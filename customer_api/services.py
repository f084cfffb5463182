"""Applications and consumer keys: created here, and only here (views, the command and the API call
these). Secrets are returned once, to whoever creates them, and never stored in clear."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import ApiApplication, ConsumerKey

# Keys and secrets look like OVHcloud's: letters and digits only, nothing to escape anywhere.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _server_key() -> bytes:
    """API_SECRETS_KEY, or one derived from SECRET_KEY when it is not set (then rotating
    SECRET_KEY changes every application's secret: set API_SECRETS_KEY in production)."""
    if settings.API_SECRETS_KEY:
        return settings.API_SECRETS_KEY.encode("utf-8")
    return hmac.new(settings.SECRET_KEY.encode("utf-8"), b"customer-api-secrets", hashlib.sha256).digest()


def application_secret(application: ApiApplication) -> str:
    """The application's secret (AS), recomputed from the server key and the row's salt: what the
    signature check needs, which a database dump without API_SECRETS_KEY does not give."""
    digest = hmac.new(
        _server_key(),
        f"application-secret:{application.key}:{application.secret_salt}".encode(),
        hashlib.sha256,
    ).digest()
    return "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in digest)  # 32 characters


@dataclass(frozen=True)
class NewApplication:
    application: ApiApplication
    secret: str  # shown once; never stored


# A customer holds at most this many applications not revoked (the panel and the command alike).
APPLICATIONS_PER_CUSTOMER = 20


class TooManyApplications(Exception):
    """The customer holds APPLICATIONS_PER_CUSTOMER applications not revoked already."""


@transaction.atomic
def api_application_create(*, owner, name: str, description: str = "", now=None) -> NewApplication:
    """A new application of `owner`, with its secret (returned here only). Refused with
    TooManyApplications beyond APPLICATIONS_PER_CUSTOMER applications not revoked; the owner's row
    is locked first, so two creations at once count each other."""
    list(get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))
    if (
        ApiApplication.objects.filter(owner=owner, revoked_at__isnull=True).count()
        >= APPLICATIONS_PER_CUSTOMER
    ):
        raise TooManyApplications(owner.pk)
    application = ApiApplication.objects.create(
        owner=owner,
        name=name,
        description=description,
        key=_random(16),
        secret_salt=secrets.token_hex(16),
        created_at=now or timezone.now(),
    )
    return NewApplication(application, application_secret(application))


def _usable(application: ApiApplication) -> bool:
    return application.revoked_at is None and application.owner.is_active


def application_for_key(key: str) -> ApiApplication | None:
    """The application an X-Ovh-Application header names: not revoked, its owner's account open."""
    # Keys and hashes are unique: a lookup, never a sort (first() would compile an ORDER BY each call).
    application = (
        ApiApplication.objects.select_related("owner").filter(key=key).order_by().first() if key else None
    )
    return application if application is not None and _usable(application) else None


def consumer_key_find(application_key: str, consumer_key: str) -> ConsumerKey | None:
    """The consumer key for this CK, if it was issued to the application of that key, with the
    application and both owners: one query for what a signed call needs. None if unknown, another
    application's, or its application is unusable (application_for_key)."""
    if not (application_key and consumer_key):
        return None
    found = (
        ConsumerKey.objects.select_related("application__owner", "owner")
        .filter(key_hash=_hash(consumer_key), application__key=application_key)
        .order_by()[:1]
    )
    found = found[0] if found else None
    return found if found is not None and _usable(found.application) else None


class InvalidRules(ValueError):
    pass


METHODS = ("GET", "POST", "PUT", "DELETE")


def _checked_rules(rules) -> list[dict]:
    """accessRules as auth.ApiCredentialRequestParams has them: a non-empty list of {method, path}."""
    if not isinstance(rules, list) or not rules or len(rules) > 100:
        raise InvalidRules("Body parameter accessRules isn't formated correctly")
    checked = []
    for rule in rules:
        if (
            not isinstance(rule, dict)
            or set(rule) != {"method", "path"}
            or rule["method"] not in METHODS
            or not isinstance(rule["path"], str)
            or not rule["path"].startswith(("/", "*"))
            or len(rule["path"]) > 500
        ):
            raise InvalidRules("Body parameter accessRules isn't formated correctly")
        checked.append({"method": rule["method"], "path": rule["path"]})
    return checked


@dataclass(frozen=True)
class NewConsumerKey:
    consumer_key: ConsumerKey
    key: str  # the CK, returned once to the application
    credential_token: str  # for the consent link; never the CK itself


@transaction.atomic
def consumer_key_request(
    *, application: ApiApplication, rules, redirection: str = "", allowed_ips=None, now=None
) -> NewConsumerKey:
    """A consumer key waiting for its customer's consent (POST /auth/credential)."""
    key, token = _random(32), secrets.token_urlsafe(48)
    consumer_key = ConsumerKey.objects.create(
        application=application,
        key_hash=_hash(key),
        token_hash=_hash(token),
        rules=_checked_rules(rules),
        allowed_ips=allowed_ips,
        redirection=redirection or "",
        created_at=now or timezone.now(),
    )
    return NewConsumerKey(consumer_key, key, token)


# The validities the consent page offers (contract 1.5): None is unlimited.
VALIDITIES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "30d": timedelta(days=30), "unlimited": None}


class ConsumerKeyDecided(Exception):
    """The key was authorised or refused already: a consent is given once."""


@transaction.atomic
def consumer_key_decide(
    *, consumer_key: ConsumerKey, owner, authorise: bool, validity: str = "unlimited", now=None
) -> ConsumerKey:
    """The customer's answer on the consent page: authorised (the key acts for `owner`, for the
    validity chosen) or refused. Locked, so two answers at once give one decision."""
    now = now or timezone.now()
    locked = ConsumerKey.objects.select_for_update().get(pk=consumer_key.pk)
    if locked.state != ConsumerKey.State.PENDING:
        raise ConsumerKeyDecided(locked.pk)
    if authorise:
        lasting = VALIDITIES[validity]
        locked.state, locked.owner, locked.validated_at = ConsumerKey.State.VALIDATED, owner, now
        locked.expires_at = now + lasting if lasting else None
    else:
        locked.state = ConsumerKey.State.REFUSED
    locked.save(update_fields=["state", "owner", "validated_at", "expires_at"])
    return locked


# A consent link works this long after the application asked for the key; then the key stays
# pending for ever (refused by every call) and the application must ask again.
CONSENT_LINK_VALIDITY = timedelta(days=1)


def consumer_key_for_consent(token: str, *, now=None) -> ConsumerKey | None:
    """The pending key a consent link names, with its application; None when the token is unknown,
    already answered, too old, or its application revoked."""
    now = now or timezone.now()
    return (
        ConsumerKey.objects.select_related("application")
        .filter(
            token_hash=_hash(token),
            state=ConsumerKey.State.PENDING,
            created_at__gt=now - CONSENT_LINK_VALIDITY,
            application__revoked_at__isnull=True,
        )
        .first()
    )


def consumer_key_expire(*, consumer_key: ConsumerKey, now=None) -> bool:
    """Ends a key at once (POST /auth/logout, or the customer's "Révoquer" on the Accès API page):
    every later call with it is INVALID_CREDENTIAL. False if it was not pending or authorised."""
    now = now or timezone.now()
    return bool(
        ConsumerKey.objects.filter(
            pk=consumer_key.pk, state__in=[ConsumerKey.State.PENDING, ConsumerKey.State.VALIDATED]
        ).update(state=ConsumerKey.State.EXPIRED, expires_at=now)
    )


@transaction.atomic
def api_application_revoke(*, application: ApiApplication, now=None) -> bool:
    """Revokes an application and ends its keys: its key is INVALID_KEY from now on."""
    now = now or timezone.now()
    revoked = ApiApplication.objects.filter(pk=application.pk, revoked_at__isnull=True).update(revoked_at=now)
    ConsumerKey.objects.filter(
        application=application, state__in=[ConsumerKey.State.PENDING, ConsumerKey.State.VALIDATED]
    ).update(state=ConsumerKey.State.EXPIRED, expires_at=now)
    return bool(revoked)
