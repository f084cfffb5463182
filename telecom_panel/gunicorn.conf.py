"""gunicorn's configuration for `make serve`: the one place for workers, timeouts and the address.

Every value comes from the environment (the README's "Deploying" table):
- WEB_BIND (default 127.0.0.1:$PORT, PORT 8000): where to listen. Behind a reverse proxy on
  another host, 0.0.0.0:8000; the panel trusts X-Forwarded-For only from the proxies named in
  PUBLIC_DIRECTORY_TRUSTED_PROXIES (telecom_panel/client_address.py), whatever listens.
- WEB_WORKERS (default 2 * cores + 1): synchronous worker processes; each holds one database
  connection while it answers (CONN_MAX_AGE keeps it between requests).
- WEB_TIMEOUT (default 30 s): a request running longer is killed and logged; every page is far
  below it (long work, the sync and "apply to others", runs in Celery).
- WEB_MAX_REQUESTS (default 0, never): a worker is replaced after that many requests. Each
  replaced worker leaves its metrics files behind (prometheus_client keeps a dead worker's
  counts), so recycling is off unless a leak calls for it.
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT') or '8000'}"
workers = int(os.environ.get("WEB_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("WEB_TIMEOUT") or 30)
graceful_timeout = timeout
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS") or 0)
max_requests_jitter = max_requests // 10
wsgi_app = "telecom_panel.wsgi:application"
# gunicorn's access log would write every path and query string (numbers, searched names) in
# clear: Django's own request logging, masked (telecom_panel/logging.py), is the one kept.
accesslog = None
errorlog = "-"
# gunicorn's error log names the URL of a request it killed or that failed ("Error handling
# request /annuaire/?nom=..."): masked like Django's (telecom_panel.logging.mask).
logger_class = "telecom_panel.gunicorn_logging.MaskingLogger"
# gunicorn itself trusts no X-Forwarded-* header: Django decides, by the networks of
# PUBLIC_DIRECTORY_TRUSTED_PROXIES (telecom_panel.client_address), for the address and for HTTPS.
forwarded_allow_ips = ""

# /metrics adds up every worker's request counts from files in this folder (prometheus_client's
# multiprocess mode): a fresh one per server start, so no dead worker's counts linger.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="panel-metrics-")
# Imported here, never in child_exit: that runs in the master's SIGCHLD handler, and two workers
# exiting together (every shutdown) would run a second import inside the first one, which kills
# the master half-way (a KeyError from importlib's module lock).
from prometheus_client import multiprocess  # noqa: E402 (needs the folder above set first)


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
