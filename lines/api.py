"""Read endpoints for the operator's own systems (call routing, porting desk), authenticated by a
bearer token from settings.OPERATOR_API_TOKENS (`name:token`). Answers are JSON; logs name the
calling system and never carry a number in clear."""

import functools
import hmac
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from telecom_panel.hostile import InvalidBody, json_body

from .emergency import location_of
from .models import ContactDetails, Service
from .portability import port_out_check

logger = logging.getLogger(__name__)


def masked(number: str) -> str:
    return f"{number[:4]}…{number[-2:]}" if len(number) > 6 else "…"


def _caller(request) -> str | None:
    """The name of the system whose token the request carries, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    for entry in settings.OPERATOR_API_TOKENS:
        name, _, expected = entry.partition(":")
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return name
    return None


def operator_api(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        caller = _caller(request)
        if caller is None:
            return JsonResponse({"error": "unauthorised"}, status=401, headers={"WWW-Authenticate": "Bearer"})
        return view(request, caller, *args, **kwargs)

    return csrf_exempt(wrapper)


@require_GET
@operator_api
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
@operator_api
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
