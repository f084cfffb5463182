"""The OVHcloud-compatible API (../shared/reference/ovh-api-contract.md): the routes, served under
/1.0/ and /v1/ (customer_api.urls), and the OpenAPI document generated from them (django-ninja).

Every answer is JSON, errors included (customer_api.auth.ApiError's shape), so that the official
clients raise their specific exceptions. Views only read the request and call services: who calls
(customer_api.auth), what they may see (lines' `owned_by`), what a PUT may change (the panel's own
forms and lines.services, through customer_api.directory_info).
"""

import functools
import ipaddress
import logging
import secrets
import time
from urllib.parse import urlsplit

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.http.request import RawPostDataException
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader
from pydantic import ValidationError

from lines.communes import communes_for_postcode
from lines.forms import ApeField, SiretField
from lines.models import BillingAccount, ContactDetails, Service
from lines.phone import complete_number
from lines.portability import carries_rio
from telecom_panel.client_address import client_address
from telecom_panel.logging import logged_path

from . import limits, schemas
from .auth import ApiError, request_authenticate
from .directory_info import (
    WAY_TYPES,
    InvalidDirectoryInfo,
    directory_info,
    directory_update,
    parse_update,
    service_name,
)
from .models import ConsumerKey
from .services import InvalidRules, application_for_key, consumer_key_expire, consumer_key_request

logger = logging.getLogger(__name__)
PREFIXES = ("/1.0", "/v1")
COUNTRIES = ("be", "ch", "de", "es", "fr", "gb", "uk")
# Error answers every route may give, for the OpenAPI document (and Schemathesis' checks).
_SIGNED_ERRORS = {code: schemas.Error for code in (400, 401, 403, 404, 413, 429)}
_OPEN_ERRORS = {code: schemas.Error for code in (400, 429)}


def api_path(request) -> str:
    """The path the access rules match: without /1.0 (or /v1) and without the query string."""
    for prefix in PREFIXES:
        if request.path.startswith(prefix + "/"):
            return request.path[len(prefix) :]
    return request.path


def signed_urls(request) -> list[str]:
    """The full URLs a client may have signed: as it sent it (gunicorn's RAW_URI), as Django
    rebuilds it, and, last, under PUBLIC_API_BASE, the form the panel publishes (contract 1.2)."""
    origin = request.build_absolute_uri("/")[:-1]
    raw = request.META.get("RAW_URI", "")
    query = request.META.get("QUERY_STRING", "")
    public = settings.PUBLIC_API_BASE
    if request.path.startswith("/v1/"):  # the clients strip /1.0 from the endpoint for /v1 paths
        public = public.removesuffix("/1.0") + "/v1"
    candidates = [origin + raw if raw.startswith("/") else "", request.build_absolute_uri()]
    candidates.append(public + api_path(request) + (f"?{query}" if query else ""))
    return list(dict.fromkeys(url for url in candidates if url))


# Far above any real body (a DirectoryInfo is under 2 KB), far below Django's 2.5 MB: a body's
# problems are listed one by one, and a megabyte of unknown keys would make a megabyte of answer.
MAX_BODY_BYTES = 16_384


def _body(request) -> bytes:
    """The request's exact bytes (the signature covers them), or the 4xx that says why not."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
        raise ApiError(413, "REQUEST_TOO_LARGE", f"The request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        body = request.body
    except RequestDataTooBig:
        raise ApiError(
            413, "REQUEST_TOO_LARGE", f"The request body is larger than {MAX_BODY_BYTES} bytes"
        ) from None
    except RawPostDataException:  # a form body, already parsed as one: this API reads JSON only
        raise ApiError(
            400, "INVALID_PARAMETER", "[body] Expected a JSON body (Content-Type: application/json)"
        ) from None
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, "REQUEST_TOO_LARGE", f"The request body is larger than {MAX_BODY_BYTES} bytes")
    return body


def _address(request) -> str:
    return str(client_address(request) or "")


def _too_many(wait: int | None) -> None:
    if wait is not None:
        raise ApiError(
            429, "TOO_MANY_REQUESTS", f"Too many requests: retry in {wait} s",
            {"retryAfter": wait}, {"Retry-After": str(wait)},
        )  # fmt: skip


class SignedRequest(APIKeyHeader):
    """The contract's order of checks (customer_api.auth), then the key's own limit."""

    param_name = "X-Ovh-Application"
    openapi_description = (
        "Requête signée comme par les clients officiels : X-Ovh-Application (clé d'application), "
        "X-Ovh-Consumer (clé d'accès), X-Ovh-Timestamp (heure Unix, à 180 s près de /auth/time) et "
        'X-Ovh-Signature = "$1$" + sha1_hex(secret + "+" + clé d\'accès + "+" + MÉTHODE + "+" + URL '
        'complète + "+" + corps + "+" + heure).'
    )

    def __init__(self, *, pending_allowed: bool = False):
        super().__init__()
        self.pending_allowed = pending_allowed

    def __call__(self, request):
        address = _address(request)
        _too_many(limits.failures_over(address))  # an address that keeps failing waits, queries nothing
        try:
            credential = request_authenticate(
                headers=request.headers,
                method=request.method,
                path=api_path(request),
                urls=signed_urls(request),
                body=_body(request),
                client_ip=address,
                pending_allowed=self.pending_allowed,
            )
        except ApiError:
            limits.count_failure(address)
            raise
        _too_many(limits.per_key(credential.pk))
        return credential

    def authenticate(self, request, key):  # __call__ does it all
        raise NotImplementedError


class ApplicationKey(APIKeyHeader):
    """POST /auth/credential: the application's key only, no signature (contract 1.4)."""

    param_name = "X-Ovh-Application"
    openapi_description = "La clé d'application seule, sans signature."

    def __call__(self, request):
        _too_many(limits.per_address(_address(request)))
        application = application_for_key(request.headers.get("X-Ovh-Application", ""))
        if application is None:
            raise ApiError(403, "INVALID_KEY", "Invalid application key")
        return application

    def authenticate(self, request, key):
        raise NotImplementedError


signed = SignedRequest()
api = NinjaAPI(
    title="API Espace client Téléphonie (compatible OVHcloud)",
    version="1.0",
    description=(
        "Les routes annuaire de l'API OVHcloud (`/telephony/…/directory`), signées comme l'API "
        "OVHcloud : les clients officiels (Python `ovh`, Go, PHP) s'en servent en changeant l'adresse "
        "de base. Limites : API_RATE_LIMIT_PER_KEY requêtes par minute et par clé d'accès, "
        "API_RATE_LIMIT_PER_ADDRESS par minute et par adresse pour les routes sans clé ; au-delà, 429 "
        "et Retry-After."
    ),
    urls_namespace="customer_api",
    docs_url=None,
    openapi_url="/openapi.json",
    auth=signed,
)


def _error_answer(error: ApiError) -> JsonResponse:
    return JsonResponse(error.body(), status=error.status, headers=error.headers)


@api.exception_handler(ApiError)
def _api_error(request, error: ApiError):
    return _error_answer(error)


@api.exception_handler(NinjaValidationError)
def _parameter_error(request, error: NinjaValidationError):
    """A query or path parameter of the wrong shape: 400 `[name] reason`."""
    messages = [f"[{item['loc'][-1]}] {item['msg']}" for item in error.errors]
    return _error_answer(ApiError(400, "INVALID_PARAMETER", "; ".join(messages)))


@api.exception_handler(Exception)
def _server_error(request, error: Exception):
    # The route, never the path: a path names a number.
    logger.exception("API error on %s %s", request.method, logged_path(request))
    return _error_answer(ApiError(500, "INTERNAL_ERROR", "Internal server error"))


def _void() -> JsonResponse:
    """A `void` answer: 200 with the JSON body null; an empty 200 makes the Python client fail."""
    return JsonResponse(None, safe=False)


def _not_found(name: str, value: str) -> ApiError:
    """The one answer for absent and for another customer's (contract 1.9 row 9): it tells nothing."""
    return ApiError(404, "NOT_FOUND", f"The requested object ({name} = {value[:100]}) does not exist")


def service_number(name: str) -> str | None:
    """The E.164 number a serviceName gives: `0033972102030`, `+33972102030`, `09 72 10 20 30`, or
    an overseas number in its national form (`0262 12 34 56`: +262262123456)."""
    text = name.strip()
    # The French plan (lines.phone) says which zone a national number belongs to.
    return complete_number(text) if len(text) <= 24 else None


def _region(number) -> str:
    """The number's country, lower case (`fr`); its code's main region when the number itself
    cannot be placed (an odd number under +44 or +262 still answers)."""
    region = phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code
    )
    return "" if region in (None, "ZZ") else region.lower()


def _account(credential: ConsumerKey, reference: str) -> BillingAccount:
    account = BillingAccount.objects.filter(owner=credential.owner, reference=reference).first()
    if account is None:
        raise _not_found("billingAccount", reference)
    return account


def _service(credential: ConsumerKey, reference: str, name: str) -> Service:
    number = service_number(name)
    found = (
        Service.objects.owned_by(credential.owner)
        .filter(billing_account__reference=reference, number=number)
        .select_related("contact_details", "publication")
        .order_by()[:1]  # the number is unique: no sort to compile
        if number
        else []
    )
    service = found[0] if found else None
    if service is None:
        _account(credential, reference)  # which of the two is not the caller's: the account first
        raise _not_found("serviceName", name)
    return service


# --- Authentication (contract 1.3 to 1.7) ------------------------------------------------------


@api.get("/auth/time", auth=None, response={200: int, 429: schemas.Error}, tags=["auth"])
def auth_time(request):
    """L'heure du serveur (secondes Unix) : les clients calculent leur décalage d'horloge."""
    _too_many(limits.per_address(_address(request)))
    return int(time.time())


def _credential_request(body: bytes) -> schemas.CredentialRequest:
    try:
        request = schemas.CredentialRequest.model_validate_json(body or b"{}")
    except ValidationError as error:
        locations = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
        if not locations or "accessRules" in locations:
            raise ApiError(
                400, "INVALID_PARAMETER", "Body parameter accessRules isn't formated correctly"
            ) from None
        raise ApiError(400, "INVALID_PARAMETER", "; ".join(f"[{name}] Invalid value" for name in sorted(locations))) from None  # fmt: skip
    if request.redirection and urlsplit(request.redirection).scheme not in ("http", "https"):
        raise ApiError(400, "INVALID_PARAMETER", "[redirection] Expected an http or https URL")
    for block in request.allowedIPs or []:
        try:
            ipaddress.ip_network(block, strict=False)
        except ValueError:
            raise ApiError(
                400, "INVALID_PARAMETER", f"[allowedIPs] Not an address block: {block[:50]}"
            ) from None
    return request


@api.post(
    "/auth/credential",
    auth=ApplicationKey(),
    response={200: schemas.CredentialRequestAnswer, 400: schemas.Error, 403: schemas.Error, 429: schemas.Error},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": schemas.CredentialRequest.model_json_schema()}}}},
    tags=["auth"],
)  # fmt: skip
def auth_credential(request):
    """Demande une clé d'accès ; le client l'autorise sur la page `validationUrl` du panel."""
    asked = _credential_request(_body(request))
    try:
        created = consumer_key_request(
            application=request.auth,
            rules=[rule.model_dump() for rule in asked.accessRules],
            redirection=asked.redirection or "",
            allowed_ips=asked.allowedIPs or None,
        )
    except InvalidRules as error:
        raise ApiError(400, "INVALID_PARAMETER", str(error)) from None
    consent = settings.PANEL_URL + reverse("api_consent") + f"?credentialToken={created.credential_token}"
    return {"validationUrl": consent, "consumerKey": created.key, "state": "pendingValidation"}


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


@api.get(
    "/auth/currentCredential",
    auth=SignedRequest(pending_allowed=True),
    response={200: schemas.Credential, **_SIGNED_ERRORS},
    tags=["auth"],
)
def auth_current_credential(request):
    """La clé d'accès de l'appel : état, droits, dates ; lisible quels que soient ses droits."""
    key = request.auth
    return {
        "credentialId": key.pk, "applicationId": key.application_id, "status": key.state, "rules": key.rules,
        "creation": _iso(key.created_at), "expiration": _iso(key.expires_at), "lastUse": _iso(key.last_used_at),
        "ovhSupport": False, "allowedIPs": key.allowed_ips,
    }  # fmt: skip


@api.post("/auth/logout", response={200: None, **_SIGNED_ERRORS}, tags=["auth"])
def auth_logout(request):
    """Met fin à la clé d'accès de l'appel : tout appel suivant avec elle est refusé."""
    consumer_key_expire(consumer_key=request.auth)
    return _void()


# --- Billing accounts and services (contract 3.2 to 3.4) ----------------------------------------


@api.get("/telephony", response={200: list[str], **_SIGNED_ERRORS}, tags=["telephony"])
def billing_accounts(request):
    """Vos comptes de facturation."""
    owned = BillingAccount.objects.filter(owner=request.auth.owner).order_by("reference")
    return list(owned.values_list("reference", flat=True))


@api.get(
    "/telephony/{billingAccount}",
    response={200: schemas.BillingAccountInfo, **_SIGNED_ERRORS},
    tags=["telephony"],
)
def billing_account(request, billingAccount: str):
    account = _account(request.auth, billingAccount)
    return {"billingAccount": account.reference, "description": account.label, "status": "enabled"}


@api.get(
    "/telephony/{billingAccount}/service", response={200: list[str], **_SIGNED_ERRORS}, tags=["telephony"]
)
def services(request, billingAccount: str):
    """Les lignes et numéros actifs du compte, au format 0033…"""
    account = _account(request.auth, billingAccount)
    numbers = Service.objects.filter(billing_account=account).active().order_by("number")
    return ["00" + str(number).lstrip("+") for number in numbers.values_list("number", flat=True)]


@api.get(
    "/telephony/{billingAccount}/service/{serviceName}",
    response={200: schemas.TelephonyService, **_SIGNED_ERRORS},
    tags=["telephony"],
)
def service(request, billingAccount: str, serviceName: str):
    found = _service(request.auth, billingAccount, serviceName)
    line = found.kind == Service.Kind.LINE
    return {
        "serviceName": service_name(found), "serviceType": "line" if line else "alias",
        "featureType": "sip" if line else "redirect", "description": found.label,
        "country": _region(found.number),
        "countryCode": found.number.country_code, "hasFaxCapabilities": False,
        "simultaneousLines": 1 if line else 0, "offers": [], "properties": [],
        "rio": found.rio if carries_rio(found) else "", "associatedDeviceMac": None,
    }  # fmt: skip


# --- Directory (contract 3.5 and 3.6) -----------------------------------------------------------

_DIRECTORY = "/telephony/{billingAccount}/service/{serviceName}/directory"


@api.get(_DIRECTORY, response={200: schemas.DirectoryInfo, **_SIGNED_ERRORS}, tags=["directory"])
def directory_get(request, billingAccount: str, serviceName: str):
    """Les coordonnées du service et ses choix de parution dans les annuaires."""
    return directory_info(_service(request.auth, billingAccount, serviceName))


@api.put(
    _DIRECTORY,
    response={200: None, **_SIGNED_ERRORS},
    openapi_extra={"requestBody": {"required": False, "content": {"application/json": {
        "schema": schemas.DirectoryInfoUpdate.model_json_schema()}}}},
    tags=["directory"],
)  # fmt: skip
def directory_put(request, billingAccount: str, serviceName: str):
    """Modifie les propriétés envoyées, les autres gardent leur valeur ; les propriétés en lecture
    seule sont ignorées. Les règles sont celles du formulaire « Modifier les coordonnées » : rien
    n'est enregistré si une valeur est refusée (400, `[propriété] motif`)."""
    found = _service(request.auth, billingAccount, serviceName)
    try:
        update = parse_update(_body(request))
        directory_update(
            service=found, update=update, actor=request.auth.owner, application=request.auth.application.name
        )
    except InvalidDirectoryInfo as error:
        raise ApiError(400, "INVALID_PARAMETER", str(error)) from None
    return _void()


@api.get(
    _DIRECTORY + "/getWayTypes", response={200: list[schemas.WayType], **_SIGNED_ERRORS}, tags=["directory"]
)
def way_types(request, billingAccount: str, serviceName: str):
    """Les types de voie acceptés par `wayType` (l'abréviation ou le nom)."""
    _service(request.auth, billingAccount, serviceName)
    return [{"abbreviatedName": abbreviation, "wayName": name} for abbreviation, name in WAY_TYPES.values()]


@api.get(
    _DIRECTORY + "/getDirectoryServiceCode",
    response={200: list[schemas.DirectoryHeading], **_SIGNED_ERRORS},
    tags=["directory"],
)
def directory_service_codes(request, billingAccount: str, serviceName: str, apeCode: str):
    """Les rubriques Pages Jaunes d'un code APE : nous n'en proposons pas, la liste est vide."""
    _service(request.auth, billingAccount, serviceName)
    if not apeCode.strip():
        raise ApiError(400, "INVALID_PARAMETER", "[apeCode] Ce champ est obligatoire.")
    try:
        ApeField(required=True, max_length=10).clean(apeCode)
    except forms.ValidationError as error:
        if all(item.code == "ape_unknown" for item in error.error_list):
            return []  # well written, in no nomenclature: no heading (contract 3.6)
        raise ApiError(400, "INVALID_PARAMETER", "[apeCode] " + " ".join(error.messages)) from None
    return []


@api.post(
    _DIRECTORY + "/fetchEntrepriseInformations",
    response={200: schemas.EntrepriseTask, **_SIGNED_ERRORS},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": schemas.EntrepriseLookup.model_json_schema()}}}},
    tags=["directory"],
)  # fmt: skip
def fetch_entreprise(request, billingAccount: str, serviceName: str):
    """Ce que nous savons d'un SIRET, d'après vos propres coordonnées : nous ne consultons aucun
    registre, et le disons quand nous ne connaissons pas l'entreprise."""
    _service(request.auth, billingAccount, serviceName)
    try:
        number = schemas.EntrepriseLookup.model_validate_json(_body(request) or b"{}").entrepriseNumber
    except ValidationError:
        raise ApiError(400, "INVALID_PARAMETER", "[entrepriseNumber] Expected a string") from None
    answer = {"entrepriseNumber": number, "isValid": False, "name": "", "ape": None, "siren": None,
              "brand": None, "address": None}  # fmt: skip
    try:
        siret = SiretField(required=True, max_length=40).clean(number)
    except forms.ValidationError:
        return {
            "status": "done",
            "informations": {**answer, "message": "Ce numéro n'est pas un SIRET valide."},
        }
    known = (
        ContactDetails.objects.filter(service__in=Service.objects.owned_by(request.auth.owner), siret=siret)
        .exclude(company_name="")
        .order_by("-updated_at")
        .first()
    )
    answer.update(isValid=True, entrepriseNumber=siret, siren=siret[:9])
    if known is None:
        message = "SIRET valide, mais nous ne connaissons pas cette entreprise : saisissez sa dénomination."
        return {"status": "done", "informations": {**answer, "message": message}}
    answer.update(name=known.company_name, ape=known.ape_code or None, address=known.full_address)
    message = "D'après les coordonnées que vous avez déjà saisies pour ce SIRET."
    return {"status": "done", "informations": {**answer, "message": message}}


# --- Lookups without a key (contract 3.7) -------------------------------------------------------


def _country(country: str) -> str:
    if country.lower() not in COUNTRIES:
        raise ApiError(400, "INVALID_PARAMETER", f"[country] Expected one of {', '.join(COUNTRIES)}")
    return country.lower()


@api.get(
    "/telephony/directories/cities",
    auth=None,
    response={200: list[schemas.City], **_OPEN_ERRORS},
    tags=["directories"],
)
def cities(request, country: str, zipCode: str):
    """Les communes d'un code postal (référentiel officiel des communes) ; [] si le code est inconnu."""
    _too_many(limits.per_address(_address(request)))
    if _country(country) != "fr" or not (zipCode.isascii() and zipCode.isdigit() and len(zipCode) == 5):
        return []
    return [
        {"name": commune.name, "zipCode": zipCode, "administrationCode": commune.code}
        for commune in communes_for_postcode(zipCode)
    ]


@api.get(
    "/telephony/directories/availableZipCodes",
    auth=None,
    response={200: list[str], **_OPEN_ERRORS},
    tags=["directories"],
)
def available_zip_codes(request, country: str, number: str):
    """Les codes postaux permis pour un numéro : nous ne restreignons pas l'adresse d'installation
    d'après le numéro, la liste est vide (aucune restriction)."""
    _too_many(limits.per_address(_address(request)))
    _country(country)
    return []


def query_id() -> str:
    return "TP-" + secrets.token_hex(8)


def _json_not_found(request, *args, **kwargs):
    return _error_answer(ApiError(404, "NOT_FOUND", "Got an invalid (or empty) URL"))


def json_everywhere(view):
    """Every answer under the API's prefixes is JSON and carries X-Ovh-QueryId (the client appends
    it to its exceptions): ninja answers a wrong method with a plain-text 405."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # ninja's root view (/1.0/) raises it
            response = _json_not_found(request)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            allowed = response.get("Allow", "")
            response = _error_answer(
                ApiError(405, "METHOD_NOT_ALLOWED", f"Method not allowed (allowed: {allowed})")
            )
            response["Allow"] = allowed
        response["X-Ovh-QueryId"] = query_id()
        return response

    wrapper.csrf_exempt = True
    return wrapper


not_found = json_everywhere(_json_not_found)
