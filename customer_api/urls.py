"""The API under /1.0/ and under /v1/, its alias (the official clients send /v1 paths there, contract
section 2). Anything else under these prefixes is a JSON 404, never Django's HTML page, and no
slash is ever appended (a redirect would break a signed call)."""

from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.http import require_GET

from .api import api, json_everywhere, not_found


def _wrapped(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _wrapped(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            # ninja serves its document to any method: only GET, like every other route.
            callback = require_GET(pattern.callback) if pattern.name == "openapi-json" else pattern.callback
            pattern.callback = json_everywhere(callback)
    return patterns


_patterns, _app_name, _namespace = api.urls
_wrapped(_patterns)

urlpatterns = [
    path("1.0/", (_patterns, _app_name, _namespace)),
    path("v1/", (_patterns, _app_name, "customer_api_v1")),
    re_path(r"^(?:1\.0|v1)(?:/.*)?$", not_found, name="api_not_found"),
]
