"""Django's own 400 page, said in JSON under the customers' API (/1.0/, /v1/): a request Django
refuses before any view (a Host outside ALLOWED_HOSTS, more than DATA_UPLOAD_MAX_NUMBER_FIELDS
fields) still gets an answer the official clients can read."""

from django.http import JsonResponse
from django.views import defaults

API_PREFIXES = ("/1.0/", "/v1/")


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if request.path.startswith(API_PREFIXES) or request.path in ("/1.0", "/v1"):
        return JsonResponse(
            {"class": "Client::BadRequest", "errorCode": "BAD_REQUEST", "httpCode": "400 Bad Request",
             "message": "Bad request"},
            status=400,
        )  # fmt: skip
    return defaults.bad_request(request, exception, template_name)
