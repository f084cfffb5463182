"""Read endpoints for the operator's own systems (call routing, porting desk), authenticated by a
bearer token from settings.OPERATOR_API_TOKENS (`name:scopes:token`, scopes joined by `+`). Each
endpoint needs one scope, so the porting desk's token cannot read emergency addresses. Answers are
JSON; logs name the calling system and never carry a number in clear."""

import functools
import hmac
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from telecom_panel.hostile import InvalidBody, json_body
from telecom_panel.operator_tokens import SCOPES, OperatorToken, parse

from .emergency import location_of
from .models import ContactDetails, Service
from .portability import port_out_check

logger = logging.getLogger(__name__)


def masked(number: str) -> str:
    return f"{number[:4]}…{number[-2:]}" if len(number) > 6 else "…"


def operator_tokens() -> list[OperatorToken]:
    """settings.OPERATOR_API_TOKENS parsed; a malformed entry grants nothing (the settings refuse
    to start with one; a test may still set one)."""
    return [token for token in map(parse, settings.OPERATOR_API_TOKENS) if token is not None]


def _caller(request) -> OperatorToken | None:
    """The system whose token the request carries, or None. Every token is compared, in constant
    time, so the answer's timing does not tell which entry came close."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return None
    found = None
    for candidate in operator_tokens():
        if hmac.compare_digest(presented.encode(), candidate.token.encode()):
            found = candidate
    return found


def operator_api(scope: str):
    """Let through a request whose bearer token carries `scope`; the view gets the caller's name."""
    assert scope in SCOPES, scope

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            caller = _caller(request)
            if caller is None:
                return JsonResponse(
                    {"error": "unauthorised"}, status=401, headers={"WWW-Authenticate": "Bearer"}
                )
            if scope not in caller.scopes:
                logger.warning("operator API: %s has no %s scope", caller.name, scope)
                return JsonResponse({"error": "forbidden_scope", "scope": scope}, status=403)
            return view(request, caller.name, *args, **kwargs)

        return csrf_exempt(wrapper)

    return decorator


@require_GET
@operator_api("urgence")
def emergency_location(request, caller, number):
    """The emergency location of one active number: INSEE code, département, full address."""
    service = Service.objects.active().filter(number=number).first()
    if service is None:
        logger.info("emergency location: %s asked for unknown %s", caller, masked(number))
        return JsonResponse({"error": "unknown_number"}, status=404)
    details = ContactDetails.objects.filter(service=service).select_related("service").first()
    if details is None:
        logger.warning("emergency location: %s asked for %s, which has no address", caller, masked(number))
        return JsonResponse({"error": "address_missing", "number": number}, status=409)
    return JsonResponse(location_of(details))


@require_POST
@operator_api("portabilite")
def port_out_check_api(request, caller):
    """Check a port-out request: `{"number", "rio", "name"?, "siret"?, "postcode"?}`."""
    try:
        payload = json_body(request)
    except InvalidBody as refused:
        return JsonResponse({"error": str(refused)}, status=400)
    if not isinstance(payload, dict) or not all(isinstance(payload.get(key, ""), str) for key in payload):
        return JsonResponse({"error": "invalid_payload"}, status=400)
    result = port_out_check(
        number=payload.get("number", ""),
        rio=payload.get("rio", ""),
        holder_name=payload.get("name", ""),
        siret=payload.get("siret", ""),
        postcode=payload.get("postcode", ""),
        channel="api",
        checked_by=caller,
    )
    return JsonResponse(result.as_dict())
