"""Input that no form, filter or database should ever see, refused in one place.

A NUL character (PostgreSQL cannot store it) or text that is not valid Unicode (a lone surrogate,
which cannot be encoded) in any query parameter, form field or path answers 400 with a clear
message, before any view, form or admin filter runs: never a 500. JSON bodies are read with a size
and a nesting limit (`json_body`), so a body of 100,000 nested brackets is refused, not recursed.
"""

import json
import re

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import Resolver404, resolve

from .errors import customer_api_bad_request, is_customer_api

UNSAFE = re.compile("[\x00\ud800-\udfff]")
MAX_JSON_BYTES = 10_000
MAX_JSON_DEPTH = 20
REFUSED = "Requête refusée : elle contient un caractère interdit (NUL ou texte mal encodé)."
REFUSED_SELECTION = "Requête refusée : la sélection contient un identifiant qui n'en est pas un."


class InvalidBody(ValueError):
    """A JSON body that is too large, too deep, malformed, or carries forbidden characters."""


def unsafe(text: str) -> bool:
    return UNSAFE.search(text) is not None


def _too_deep(body: str) -> bool:
    depth, in_string, escaped = 0, False, False
    for char in body:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def json_body(request):
    """The request's JSON body, or InvalidBody: at most MAX_JSON_BYTES, MAX_JSON_DEPTH levels
    deep, and no NUL or lone surrogate in any key or string (escaped ones included)."""
    if request.content_type == "multipart/form-data":
        # A form upload is no JSON, and its stream was already read as a form (the middleware).
        raise InvalidBody("invalid_json")
    body = request.body or b"{}"
    if len(body) > MAX_JSON_BYTES:
        raise InvalidBody("too_large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidBody("invalid_json") from None
    if _too_deep(text):
        raise InvalidBody("too_deep")
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidBody("invalid_json") from None
    if any(unsafe(string) for string in _strings(value)):
        raise InvalidBody("invalid_characters")
    return value


def _admin_selection_invalid(request) -> bool:
    """Django's admin runs an action on `pk__in=<the posted _selected_action>` without checking
    the values: `abc` for an integer key is a ValueError, a 500. Each value must be a key of the
    changelist's model."""
    selected = request.POST.getlist("_selected_action")
    if not selected:
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    if match.namespace != "admin" or not (match.url_name or "").endswith("_changelist"):
        return False
    for model in admin.site._registry:
        if match.url_name == f"{model._meta.app_label}_{model._meta.model_name}_changelist":
            try:
                for value in selected:
                    model._meta.pk.to_python(value)
            except ValidationError:
                return True
    return False


class HostileInputMiddleware:
    """Refuse, for every request, a path, query parameter or form field that carries a NUL or a
    lone surrogate (keys included), and an admin action on a selection that is no key."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = list(request.GET.lists())
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            fields += list(request.POST.lists())
        if unsafe(request.path) or any(
            unsafe(key) or any(unsafe(v) for v in values) for key, values in fields
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"error": "invalid_characters"}, status=400)
            if is_customer_api(request.path):
                return customer_api_bad_request("INVALID_CHARACTERS", REFUSED)
            return HttpResponseBadRequest(REFUSED, content_type="text/plain; charset=utf-8")
        if request.method == "POST" and _admin_selection_invalid(request):
            return HttpResponseBadRequest(REFUSED_SELECTION, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
