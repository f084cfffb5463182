"""Log records as they may be written: no telephone number, name or address in clear; one line per
request (RequestLogMiddleware); JSON lines when LOG_FORMAT=json (JsonFormatter).

Django's own loggers write request paths and query strings ("Not Found: /telephonie/33972102030/",
'"GET /annuaire/?nom=dupont HTTP/1.1" 200'): a path names a service by its number, a query string
carries what someone searched for. This filter, set on those loggers in settings.LOGGING, masks
every run of four digits or more, every number written in groups, and every query string before
any handler sees the record.
"""

import json
import logging
import re
import time

# Four digits in a row, or digits in groups split by spaces, dots, dashes or slashes, as people write
# numbers ("01 99 00 03 01", "+33-1-99", "06.12.34.56.78"; a date goes too, which costs little),
# but an IPv4 address, ours or a proxy's, which the server's own lines name ("Listening at").
DIGITS = re.compile(r"(?<![\d.])(?!\d{1,3}(?:\.\d{1,3}){3}(?![.\d]))\+?\d+(?:[ .\-/]\d+){2,}|\+?\d{4,}")
QUERY = re.compile(r"\?[^\s\"']*")


def mask(text: str) -> str:
    """`/telephonie/33972102030/?q=dupont` -> `/telephonie/…/?…`."""
    return DIGITS.sub("…", QUERY.sub("?…", text))


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask(record.getMessage()), ()
        # Django attaches the request to the record; a handler that formats it would print the
        # path again.
        if hasattr(record, "request"):
            record.request = None
        return True


# Fields a record may carry beyond its message (logger.info(..., extra={...})): written as their
# own keys by JsonFormatter. Never contact details: ids, counts, methods and masked paths.
EXTRA_FIELDS = ("run_id", "batch_id", "batch", "method", "path", "status", "duration_ms", "user_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per line (LOG_FORMAT=json), for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in EXTRA_FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


request_logger = logging.getLogger("telecom_panel.requests")


def logged_path(request) -> str:
    """The URL pattern the request matched (`compte/mot-de-passe/nouveau/<uidb64>/<token>/`), never
    the values in it: a path may hold a number, a name or a password-reset token. A path that
    matched nothing (a 404, anything a client typed) is not logged at all."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route
    return "(no route)"


class RequestLogMiddleware:
    """One line per request: method, path (masked: a path may name a number), status, duration,
    and the user's id when signed in. It replaces gunicorn's access log, which is off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        path = logged_path(request)
        # Only a user some part of the request already loaded: looking one up here would cost
        # queries, and fail when the database does (a /healthz probe must not).
        user = getattr(request, "_cached_user", None)
        request_logger.info(
            "%s %s %s %sms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response
