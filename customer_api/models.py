"""Applications (a customer's scripts) and the consumer keys they act with, as the OVHcloud contract
has them (../shared/reference/ovh-api-contract.md, 1.1 to 1.7).

No secret is stored in a way that a database dump reveals it:
- the application secret is derived from a server key (API_SECRETS_KEY) and a salt of the row:
  the server recomputes it to check a signature, a dump without the key cannot;
- consumer keys and the credential tokens of consent links are stored hashed, and looked up by
  their hash.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiApplication(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_applications",
        verbose_name=_("client"),
    )  # fmt: skip
    name = models.CharField(_("nom"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # The application key (AK): public, sent with every request.
    key = models.CharField(_("clé d'application"), max_length=32, unique=True)
    # The application secret (AS) is derived from this and API_SECRETS_KEY (customer_api.services).
    secret_salt = models.CharField(max_length=32)
    created_at = models.DateTimeField(_("créée le"))
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("application API")
        verbose_name_plural = _("applications API")
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class ConsumerKey(models.Model):
    """A customer's delegation to an application, with its access rules."""

    class State(models.TextChoices):
        PENDING = "pendingValidation", _("En attente de validation")
        VALIDATED = "validated", _("Autorisée")
        REFUSED = "refused", _("Refusée")
        EXPIRED = "expired", _("Expirée")

    application = models.ForeignKey(ApiApplication, on_delete=models.CASCADE, related_name="consumer_keys")
    # Set when the customer authorises it on the consent page: whose services it reaches.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("client"),
    )  # fmt: skip
    key_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the consumer key (CK)
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the consent link's token
    state = models.CharField(_("état"), max_length=20, choices=State.choices, default=State.PENDING)
    rules = models.JSONField(_("droits"))  # [{"method": "GET", "path": "/telephony/*"}, ...]
    allowed_ips = models.JSONField(_("adresses autorisées"), null=True, blank=True)  # CIDR blocks
    redirection = models.URLField(_("redirection"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("créée le"))
    validated_at = models.DateTimeField(_("autorisée le"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    class Meta:
        verbose_name = _("clé d'accès API")
        verbose_name_plural = _("clés d'accès API")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pendingValidation", "validated", "refused", "expired"]),
                name="consumerkey_state_valid",
            ),
            # Authorised means someone authorised it.
            models.CheckConstraint(
                condition=~Q(state="validated") | Q(owner__isnull=False, validated_at__isnull=False),
                name="consumerkey_validated_has_owner",
            ),
        ]

    def __str__(self):
        return f"{self.application} #{self.pk}"
