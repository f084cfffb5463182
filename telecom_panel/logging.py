"""Log records as they may be written: no telephone number, name or address in clear.

Django's own loggers write request paths and query strings ("Not Found: /telephonie/33972102030/",
'"GET /annuaire/?nom=dupont HTTP/1.1" 200'): a path names a service by its number, a query string
carries what someone searched for. This filter, set on those loggers in settings.LOGGING, masks
every run of four digits or more and every query string before any handler sees the record.
"""

import logging
import re

DIGITS = re.compile(r"\d{4,}")
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
