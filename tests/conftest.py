import logging
import os

import pytest
from django.core.management import call_command
from django.db import connection

from tests import factories, log_scan

_log = log_scan.KeepEverything()


def pytest_sessionstart(session):
    root = logging.getLogger()
    root.addHandler(_log)
    root.setLevel(logging.INFO)


def pytest_sessionfinish(session, exitstatus):
    """The whole run's logs must not carry a demo number or name (tests/log_scan.py)."""
    found = log_scan.leaks(_log.lines, log_scan.demo_secrets())
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_sep("=", "personal data in the logs of this run", red=True)
        for line in found[:50]:
            reporter.write_line(line)
        session.exitstatus = 1


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (STRICT_SKIPS=1) every test must run: a skip there is a failure, never a pass."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("STRICT_SKIPS") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but STRICT_SKIPS=1 requires every test to run: {report.longrepr}"


@pytest.fixture(autouse=True)
def _skip_without_services(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... (the embedded default is SQLite)")
    if request.node.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        pytest.skip("needs a Redis broker: set REDIS_URL=redis://127.0.0.1:6379/15")


@pytest.fixture
def customer(db):
    """A customer with one billing account and no services yet."""
    return factories.make_customer("alice", reference="al10001-1")


@pytest.fixture
def other_customer(db):
    """Another customer, who must never see `customer`'s data."""
    return factories.make_customer("bob", reference="bo20002-1")


@pytest.fixture
def support_staff(db):
    """A member of the support team, in the `support` group."""
    return factories.make_staff("sam", group="support")


@pytest.fixture
def communes(db):
    """The commune reference data. A migration loads it, but a transactional test (live server,
    real worker) empties every table when it ends, so such tests load it again when missing."""
    from lines.models import Commune

    if not Commune.objects.exists():
        call_command("load_communes", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(autouse=True)
def _exports_in_a_temporary_folder(settings, tmp_path):
    """Directory exports of a test go to its own folder, never into the working tree."""
    settings.DIRECTORY_EXPORT_DIR = tmp_path / "exports"
