"""Django's own 400 page, said in JSON under the customers' API (/1.0/, /v1/): a request Django
refuses before any view (a Host outside ALLOWED_HOSTS, more than DATA_UPLOAD_MAX_NUMBER_FIELDS
fields) still gets an answer the official clients can read."""

from django.http import JsonResponse
from django.views import defaults

API_PREFIXES = ("/1.0", "/v1")


def is_customer_api(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


def customer_api_bad_request(error_code: str, message: str) -> JsonResponse:
    """A 400 in the API's error shape (customer_api.auth.ApiError), for what refuses a request
    before the API's own views: the hostile-input middleware, Django's 400 handler."""
    body = {
        "class": "Client::BadRequest",
        "errorCode": error_code,
        "httpCode": "400 Bad Request",
        "message": message,
    }
    return JsonResponse(body, status=400)


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if is_customer_api(request.path):
        return customer_api_bad_request("BAD_REQUEST", "Bad request")
    return defaults.bad_request(request, exception, template_name)
