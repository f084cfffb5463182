"""Every log line of the whole test run is kept, and at the end it is searched for the demo
data's numbers and names: a line carrying one fails the run (issue 10, logs).

The handler sits on the root logger, after the loggers' own filters (telecom_panel.logging masks
Django's request and server loggers there), so it sees what a log file would hold. The run logs
at INFO, the production default, whatever the test settings say.
"""

import logging

from lines.management.commands.load_demo import DEMO_ACCOUNTS
from lines.phone import describe

NAME_FIELDS = ("last_name", "company_name", "street_name")
# Shorter names ("Autre", "Jean") are ordinary words a log line may hold for other reasons.
MIN_NAME_LENGTH = 6


def demo_secrets() -> set[str]:
    """Each demo number in its national and international digits, and each name and street."""
    secrets = set()
    for accounts in DEMO_ACCOUNTS.values():
        for _reference, _label, services in accounts:
            for service in services:
                digits = service.number.lstrip("+")
                secrets |= {digits, describe(service.number).national}  # 0262990101 for +262262990101
                for field in NAME_FIELDS:
                    value = (service.details or {}).get(field) or ""
                    if len(value) >= MIN_NAME_LENGTH and value[0].isupper():
                        secrets.add(value)
    return secrets


class KeepEverything(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines = []

    def emit(self, record):
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that cannot be formatted is the test's business, not ours
            self.lines.append(f"{record.levelname} {record.name} {record.msg!r}")


def leaks(lines, secrets) -> list[str]:
    return [f"{secret!r} in: {line[:300]}" for line in lines for secret in secrets if secret in line]
