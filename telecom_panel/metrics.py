"""/metrics for Prometheus: request and database metrics (django-prometheus) and the operator's own
figures, read from the database at each scrape. Answered only to METRICS_ALLOWED_NETWORKS.

Under gunicorn each worker process counts its own requests; with PROMETHEUS_MULTIPROC_DIR set
(telecom_panel/gunicorn.conf.py sets it) a scrape adds up every worker's files. The operator's
figures come from the database, so any process gives the same. No label carries personal data:
statuses, outcomes and grounds only.
"""

import os
from datetime import timedelta

import prometheus_client
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, Min, OuterRef
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily

from directory.models import Publication, SyncBatch, SyncRun
from lines.models import ContactDetails, PortOutCheck, Service
from notifications.models import CustomerEmail
from telecom_panel.client_address import is_trusted_proxy, parse_address


class OperationsCollector:
    """The figures behind the two alerts of the README (a sync failed or overdue; scheduled records
    older than 35 days) and a few more an operator watches."""

    def collect(self):
        statuses = GaugeMetricFamily(
            "telecom_publications", "Publications (directory choices) by status", labels=["status"]
        )
        for row in Publication.objects.values("status").annotate(n=Count("pk")).order_by():
            statuses.add_metric([row["status"] or "none"], row["n"])
        yield statuses

        oldest = Publication.objects.filter(status=Publication.Status.SCHEDULED).aggregate(
            at=Min("scheduled_at")
        )
        age = (timezone.now() - oldest["at"]).total_seconds() if oldest["at"] else 0
        yield GaugeMetricFamily(
            "telecom_directory_oldest_scheduled_age_seconds",
            "Age of the oldest record waiting for the directory sync (0 when none waits)",
            value=age,
        )

        running = SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exists()
        yield GaugeMetricFamily(
            "telecom_directory_sync_running", "1 while a directory sync runs", value=int(running)
        )
        # One run at a time: the newest closed run is the last (by id: a NULL end would sort first
        # on PostgreSQL and last on SQLite).
        last = SyncRun.objects.exclude(status=SyncRun.Status.RUNNING).order_by("-pk").first()
        outcome = GaugeMetricFamily(
            "telecom_directory_last_sync_outcome",
            "1 for the outcome of the last finished sync run",
            labels=["outcome"],
        )
        for status in SyncRun.Status.values:
            if status != SyncRun.Status.RUNNING:
                outcome.add_metric([status], int(last is not None and last.status == status))
        yield outcome
        if last is not None:
            yield GaugeMetricFamily(
                "telecom_directory_last_sync_finished_timestamp_seconds",
                "When the last sync run finished (Unix time)",
                value=last.finished_at.timestamp() if last.finished_at else 0,
            )
            duration = (last.finished_at - last.started_at).total_seconds() if last.finished_at else 0
            yield GaugeMetricFamily(
                "telecom_directory_last_sync_duration_seconds",
                "Duration of the last sync run",
                value=duration,
            )
            counts = GaugeMetricFamily(
                "telecom_directory_last_sync_records",
                "Records of the last sync run by action",
                labels=["action"],
            )
            for action in ("added", "updated", "withdrawn", "rejected", "left_for_next", "repaired"):
                counts.add_metric([action], getattr(last, action))
            yield counts
            failed = SyncBatch.objects.filter(run=last, state=SyncBatch.State.FAILED).count()
            yield GaugeMetricFamily(
                "telecom_directory_last_sync_batches_failed",
                "Batches of the last sync run that failed",
                value=failed,
            )

        checks = GaugeMetricFamily(
            "telecom_port_out_checks", "Port-out checks ever answered, by outcome", labels=["ground"]
        )
        for row in PortOutCheck.objects.values("ground").annotate(n=Count("pk")).order_by():
            checks.add_metric([row["ground"]], row["n"])
        yield checks

        emails = GaugeMetricFamily(
            "telecom_customer_emails",
            "E-mails to customers planned in the last 35 days, by kind and state",
            labels=["kind", "state"],
        )
        recent = CustomerEmail.objects.filter(created_at__gte=timezone.now() - timedelta(days=35))
        for row in recent.values("kind", "state").annotate(n=Count("pk")).order_by():
            emails.add_metric([row["kind"], row["state"]], row["n"])
        yield emails

        # NOT EXISTS, not NOT IN: at a million services the list would not fit in memory and
        # PostgreSQL would compare every row with all of it.
        without_address = (
            Service.objects.active()
            .filter(~Exists(ContactDetails.objects.filter(service=OuterRef("pk"))))
            .count()
        )
        yield GaugeMetricFamily(
            "telecom_emergency_services_without_address",
            "Active services the emergency feed cannot locate (no contact details)",
            value=without_address,
        )


# A scrape never holds the database longer than this (PostgreSQL cancels the query).
SCRAPE_STATEMENT_TIMEOUT_MS = 5000


def _allowed(request) -> bool:
    """Prometheus scrapes the process itself: the peer must be in METRICS_ALLOWED_NETWORKS, and
    not one of our proxies (what comes through them is the public's traffic)."""
    peer = parse_address(request.META.get("REMOTE_ADDR", ""))
    return (
        peer is not None
        and not is_trusted_proxy(peer)
        and any(peer in network for network in settings.METRICS_ALLOWED_NETWORKS)
    )


@require_safe
@never_cache
def metrics(request):
    if not _allowed(request):
        raise Http404  # nothing tells an outsider that the endpoint exists
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = prometheus_client.REGISTRY
    ours = prometheus_client.CollectorRegistry()
    ours.register(OperationsCollector())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {SCRAPE_STATEMENT_TIMEOUT_MS}")
        body = prometheus_client.generate_latest(processes) + prometheus_client.generate_latest(ours)
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
