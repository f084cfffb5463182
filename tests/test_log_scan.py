"""The run-wide log scan (tests/log_scan.py, hooked in tests/conftest.py) fails a run whose logs
carry a demo number or name, and lets a clean one pass."""

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.log_scan import demo_secrets, leaks

PROJECT = Path(__file__).resolve().parent.parent


def test_the_demo_numbers_and_names_are_looked_for():
    secrets = demo_secrets()
    assert {"33199000101", "0199000101", "Atelier Dupont", "Voltaire"} <= secrets
    assert leaks(["INFO lines.api emergency location: routing asked for 3319…01"], secrets) == []
    assert leaks(["WARNING x sent 0199000101 somewhere"], secrets)


def run_a_run(message):
    """A pytest run of one test that logs `message`, under tests/ so that our conftest applies."""
    with tempfile.TemporaryDirectory(dir=PROJECT / "tests", prefix="log_scan_probe_") as folder:
        test = Path(folder) / "test_logs_something.py"
        test.write_text(
            f"import logging\n\n\ndef test_it():\n    logging.getLogger('lines').info({message!r})\n"
        )
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)],
                              cwd=PROJECT, capture_output=True, text=True, timeout=120)  # fmt: skip


def test_a_run_whose_logs_carry_a_demo_number_fails():
    leaking = run_a_run("exported +33199000105 for Atelier Dupont")
    assert leaking.returncode == 1, leaking.stdout
    assert "personal data in the logs of this run" in leaking.stdout and "33199000105" in leaking.stdout
    clean = run_a_run("exported 1 listing")
    assert clean.returncode == 0, clean.stdout
