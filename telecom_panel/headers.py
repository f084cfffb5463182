"""Response headers that keep personal data where it belongs.

- `Cache-Control: no-store` (with Django's other never-cache headers) on every page answered to a
  signed-in user: contact details must not stay in a shared proxy or the browser's disk cache.
- `Permissions-Policy`: the panel uses no camera, microphone, location, payment or USB; no page,
  and nothing injected into one, may ask for them.
"""

from django.utils.cache import add_never_cache_headers

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
