"""Who is calling: the contract's order of checks for a signed request
(../shared/reference/ovh-api-contract.md, 1.9, rows 1 to 8), with its error answers. The routes
(to come) call `request_authenticate` and answer an `ApiError` as its JSON body.

Each error carries `errorCode`, so that the official client raises its specific exception
(InvalidKey, NotCredential, InvalidCredential, NotGrantedCall, Forbidden; 400s are
BadParametersError), and the hints users lack on OVHcloud (the URL the server accepts, its time,
the call refused), never a secret.
"""

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import ConsumerKey
from .services import application_for_key, application_secret, consumer_key_find
from .signing import rule_allows, signature_matches, timestamp_in_window

# Any valid consumer key may call these, whatever its rules (contract 1.6 to 1.8).
RULES_BYPASSED = {"/auth/currentCredential", "/auth/logout", "/auth/time"}
_CLASSES = {
    400: "Client::BadRequest", 401: "Client::Unauthorized", 403: "Client::Forbidden", 404: "Client::NotFound",
    405: "Client::MethodNotAllowed", 413: "Client::RequestEntityTooLarge", 429: "Client::TooManyRequests",
    500: "Server::InternalServerError",
}  # fmt: skip
_REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    413: "Request Entity Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
}  # fmt: skip
# The last use is written at most this often: a script's burst of calls costs one UPDATE.
LAST_USE_EVERY = timedelta(minutes=1)


@dataclass
class ApiError(Exception):
    status: int
    error_code: str
    message: str
    details: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)

    def body(self) -> dict:
        """The superset of OVHcloud's two error shapes (contract 1.9)."""
        answer = {
            "class": _CLASSES[self.status],
            "errorCode": self.error_code,
            "httpCode": f"{self.status} {_REASONS[self.status]}",
            "message": self.message,
        }
        return {**answer, "details": self.details} if self.details else answer


def _allowed_from(allowed_ips, client_ip: str) -> bool:
    if not allowed_ips:
        return True
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(block, strict=False) for block in allowed_ips)


def request_authenticate(
    *,
    headers,
    method: str,
    path: str,
    urls: list[str],
    body: bytes,
    client_ip: str,
    pending_allowed: bool = False,
    now: datetime | None = None,
) -> ConsumerKey:
    """The consumer key a signed request acts with, or the ApiError of the first check it fails.
    `path` is without the /1.0 prefix and the query string; `urls` are the full URLs a client
    may have signed (as the request reached us, as the panel publishes the API), the last one
    the published form, shown in the signature hint. `pending_allowed` lets a key waiting for
    its consent through (GET /auth/currentCredential, so that a script can poll it)."""
    now = now or timezone.now()
    server_time = int(now.timestamp())
    application_key = headers.get("X-Ovh-Application", "")
    consumer, timestamp, given = (
        headers.get(f"X-Ovh-{name}", "") for name in ("Consumer", "Timestamp", "Signature")
    )
    # The usual call: its key and application in one query. Otherwise the application alone, for
    # the checks before row 5 (which then says NOT_CREDENTIAL).
    credential = consumer_key_find(application_key, consumer)
    application = credential.application if credential else application_for_key(application_key)
    if application is None:
        raise ApiError(403, "INVALID_KEY", "Invalid application key")
    if not (consumer and timestamp and given):
        raise ApiError(401, "NOT_AUTHENTICATED", "You must login first")
    if not timestamp_in_window(timestamp, now=server_time):
        raise ApiError(400, "QUERY_TIME_OUT", "Query out of time", {"serverTime": server_time})
    signed = {"application_secret": application_secret(application), "consumer_key": consumer,
              "method": method, "body": body, "timestamp": timestamp}  # fmt: skip
    if signature_matches(given, urls=urls, **signed) is None:
        raise ApiError(400, "INVALID_SIGNATURE", "Invalid signature",
                       {"signedUrlExpected": urls[-1], "serverTime": server_time})  # fmt: skip
    if credential is None:
        raise ApiError(403, "NOT_CREDENTIAL", "This credential does not exist")
    if credential.state == ConsumerKey.State.PENDING and pending_allowed:
        return credential
    if credential.state == ConsumerKey.State.PENDING:
        raise ApiError(403, "INVALID_CREDENTIAL",
                       "This credential is not valid: it waits for its customer's consent (validationUrl)")  # fmt: skip
    expired = credential.expires_at is not None and credential.expires_at <= now
    # A key acts for the customer who authorised it: never once that account is closed.
    if credential.state != ConsumerKey.State.VALIDATED or expired or not credential.owner.is_active:
        raise ApiError(403, "INVALID_CREDENTIAL", "This credential is not valid")
    if not _allowed_from(credential.allowed_ips, client_ip):
        raise ApiError(403, "FORBIDDEN", "This IP is not allowed to use this credential")
    if path not in RULES_BYPASSED and not rule_allows(credential.rules, method.upper(), path):
        raise ApiError(403, "NOT_GRANTED_CALL", f"This call has not been granted: {method.upper()} {path}")
    if credential.last_used_at is None or credential.last_used_at < now - LAST_USE_EVERY:
        ConsumerKey.objects.filter(pk=credential.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USE_EVERY)
        ).update(last_used_at=now)
    return credential
