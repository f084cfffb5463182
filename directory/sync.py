"""The directory sync: one function, `directory_sync_run`, behind the monthly beat task, the
`sync_directory` command and the admin button.

How a run goes:
1. Start: record a SyncRun in state "running". A partial unique index allows one such row, so
   two starts race in the database and exactly one wins; the other raises SyncAlreadyRunning. A
   running run without a heartbeat for DIRECTORY_SYNC_STALE_AFTER seconds is presumed dead: it
   is closed as abandoned (its committed batches' exports released) and the new run proceeds.
2. Plan: cut the scheduled publications into batches by service id ranges, walking the partial
   index with keyset steps (no deep OFFSET, flat memory).
3. Each batch, inline or as a Celery task: claim it, read its scheduled records in one query,
   send them to every publisher, then flip the statuses set-based, in the same transaction,
   *only where the record's revision is still the one read*: a record edited meanwhile stays
   scheduled and goes out next time with its new content. A batch that fails rolls back whole:
   its records stay scheduled, nothing of it counts as sent.
4. Close: the batch that finds no batch left pending closes the run (once, under a row lock):
   publishers release their exports, counts are summed, the outcome recorded.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from .models import Publication, SyncBatch, SyncRun
from .publishers import configured_publishers
from .staging import TABLE, drop_staged_batch, stage_batch

logger = logging.getLogger(__name__)
COUNT_FIELDS = ("added", "updated", "withdrawn", "rejected", "left_for_next")
ACTION_COUNT = {"add": "added", "update": "updated", "withdraw": "withdrawn"}


class SyncAlreadyRunning(Exception):
    def __init__(self, run: SyncRun | None):
        self.run = run
        super().__init__(f"directory sync #{run.pk if run else '?'} is already running")


@dataclass
class DryRunReport:
    """What a run would do now, computed without writing anything anywhere."""

    added: int = 0
    updated: int = 0
    withdrawn: int = 0
    rejected: int = 0
    reasons: dict = field(default_factory=dict)  # reason -> count


def _stale_before(now):
    return now - timedelta(seconds=settings.DIRECTORY_SYNC_STALE_AFTER)


def _is_full_run(publisher_names: list[str]) -> bool:
    """Statuses move only when a run sends to every configured publisher; a run restricted to one
    publisher (ops replaying an export, say) leaves every record scheduled for the full run."""
    return set(publisher_names) == set(settings.DIRECTORY_PUBLISHERS)


# --- 1. Start and plan ---------------------------------------------------------------------------


def _abandon_stale_runs(now):
    for run in SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=_stale_before(now)):
        logger.warning(
            "directory sync #%s has shown no sign of life since %s: closing it", run.pk, run.heartbeat_at
        )
        SyncBatch.objects.filter(
            run=run, state__in=[SyncBatch.State.PENDING, SyncBatch.State.RUNNING]
        ).update(
            state=SyncBatch.State.FAILED, error="abandoned: the run stopped giving news", finished_at=now
        )
        _close_run(run.pk, now=now, abandoned=True)


def _plan_batches(run: SyncRun) -> int:
    """Cut the scheduled publications into (after_id, last_id] ranges of at most batch_size."""
    due = Publication.objects.due_for_sync().order_by("service_id")
    batches, after_id, number = [], 0, 0
    while True:
        boundary = list(
            due.filter(service_id__gt=after_id).values_list("service_id", flat=True)[
                run.batch_size - 1 : run.batch_size
            ]
        )
        number += 1
        if boundary:
            last_id = boundary[0]
            batches.append(SyncBatch(run=run, number=number, after_id=after_id, last_id=last_id))
            after_id = last_id
            continue
        last_id = due.filter(service_id__gt=after_id).values_list("service_id", flat=True).last()
        if last_id is not None:
            batches.append(SyncBatch(run=run, number=number, after_id=after_id, last_id=last_id))
        break
    SyncBatch.objects.bulk_create(batches, batch_size=1000)
    return len(batches)


def sync_run_start(*, trigger, started_by=None, batch_size=None, publisher_names=None, now=None) -> SyncRun:
    """Record a new run and plan its batches; raises SyncAlreadyRunning if one is under way."""
    now = now or timezone.now()
    publisher_names = [publisher.name for publisher in configured_publishers(publisher_names)]
    _abandon_stale_runs(now)
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                trigger=trigger,
                started_by=started_by,
                publishers=publisher_names,
                batch_size=batch_size or settings.DIRECTORY_SYNC_BATCH_SIZE,
                started_at=now,
                heartbeat_at=now,
            )
    except IntegrityError:
        raise SyncAlreadyRunning(SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first()) from None
    run.batches_total = _plan_batches(run)
    run.save(update_fields=["batches_total"])
    logger.info("directory sync #%s started by %s: %s batches", run.pk, trigger, run.batches_total)
    if run.batches_total == 0:
        _close_run(run.pk, now=now)
        run.refresh_from_db()
    return run


# --- 3. Batches ----------------------------------------------------------------------------------


def _flip(cursor, *, batch, now) -> tuple[dict, int]:
    """Flip, set-based, the staged records whose revision is still the one read: accepted ones to
    synced (or blank after a withdrawal), refused ones to error with their reason. A record
    edited since it was read keeps its new revision and stays scheduled."""
    publication = Publication._meta.db_table
    same_record = (
        f"{publication}.service_id = {TABLE}.service_id AND {publication}.revision = {TABLE}.revision "
        f"AND {publication}.status = 'scheduled' "
        # The batch's id range again: the planner then reads the publications by an index range.
        f"AND {publication}.service_id > {int(batch.after_id)} AND {publication}.service_id <= {int(batch.last_id)}"
    )
    cursor.execute(
        f"UPDATE {publication} SET status = CASE WHEN listed THEN 'synced' ELSE 'none' END, "
        f"in_directory = listed, synced_at = %s, error_reason = '' FROM {TABLE} "
        f"WHERE {same_record} AND {TABLE}.problem IS NULL RETURNING {publication}.service_id",
        [now],
    )
    flipped = {service_id for (service_id,) in cursor.fetchall()}
    counts = dict.fromkeys(ACTION_COUNT.values(), 0)
    cursor.execute(f"SELECT service_id, action FROM {TABLE} WHERE problem IS NULL")
    for service_id, action in cursor.fetchall():
        if service_id in flipped:
            counts[ACTION_COUNT[action]] += 1
    cursor.execute(
        f"UPDATE {publication} SET status = 'error', error_reason = {TABLE}.problem FROM {TABLE} "
        f"WHERE {same_record} AND {TABLE}.problem IS NOT NULL"
    )
    return counts, cursor.rowcount


def _claim(batch_id, now) -> SyncBatch | None:
    claimable = Q(state=SyncBatch.State.PENDING) | Q(
        state=SyncBatch.State.RUNNING, claimed_at__lt=_stale_before(now)
    )
    claimed = SyncBatch.objects.filter(claimable, pk=batch_id, run__status=SyncRun.Status.RUNNING).update(
        state=SyncBatch.State.RUNNING, claimed_at=now, attempts=F("attempts") + 1
    )
    return SyncBatch.objects.select_related("run").get(pk=batch_id) if claimed else None


def sync_batch_process(batch_id: int, *, now=None) -> SyncBatch | None:
    """Process one batch if nobody else holds it; close the run if it was the last. Idempotent:
    a batch already done, or held by a live worker, is left alone (a redelivered task is harmless)."""
    now = now or timezone.now()
    batch = _claim(batch_id, now)
    if batch is None:
        return None
    run = batch.run
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            stage_batch(cursor, after_id=batch.after_id, last_id=batch.last_id)
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            (staged,) = cursor.fetchone()
            publishers = configured_publishers(run.publishers)
            for publisher in publishers:
                publisher.reject(cursor, run_id=run.pk, batch_number=batch.number)
            for publisher in publishers:
                publisher.publish(cursor, run_id=run.pk, batch_number=batch.number, now=now)
            counts = dict.fromkeys(COUNT_FIELDS, 0)
            if _is_full_run(run.publishers):
                flipped, counts["rejected"] = _flip(cursor, batch=batch, now=now)
                counts.update(flipped)
                counts["left_for_next"] = staged - sum(flipped.values()) - counts["rejected"]
            else:
                counts["left_for_next"] = staged
            drop_staged_batch(cursor)
            SyncBatch.objects.filter(pk=batch.pk).update(
                state=SyncBatch.State.DONE, finished_at=now, error="", **counts
            )
    except Exception as error:
        logger.exception("directory sync #%s batch %s failed", run.pk, batch.number)
        SyncBatch.objects.filter(pk=batch.pk).update(
            state=SyncBatch.State.FAILED,
            finished_at=now,
            error=f"{type(error).__name__}: {error}"[:2000],
            left_for_next=Publication.objects.due_for_sync()
            .filter(service_id__gt=batch.after_id, service_id__lte=batch.last_id)
            .count(),
        )
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(heartbeat_at=timezone.now())
    if not SyncBatch.objects.filter(
        run_id=run.pk, state__in=[SyncBatch.State.PENDING, SyncBatch.State.RUNNING]
    ).exists():
        _close_run(run.pk, now=now)
    batch.refresh_from_db()
    return batch


# --- 4. Close ------------------------------------------------------------------------------------


def _close_run(run_id: int, *, now, abandoned: bool = False):
    """Release the exports of the committed batches and record the outcome; exactly once."""
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=run_id)
        if run.status != SyncRun.Status.RUNNING:
            return
        batches = SyncBatch.objects.filter(run=run)
        done = list(batches.filter(state=SyncBatch.State.DONE).values_list("number", flat=True))
        errors = [
            f"lot {number} : {error}"
            for number, error in batches.exclude(error="").values_list("number", "error")
        ]
        files = []
        for publisher in configured_publishers(run.publishers):
            try:
                files += publisher.finish(run_id=run.pk, batch_numbers=done, now=now)
            except Exception as error:  # the statuses are committed: say loudly that the export is missing
                logger.exception("directory sync #%s: publisher %s could not finish", run.pk, publisher.name)
                errors.append(f"{publisher.name} : {type(error).__name__}: {error}")
        totals = batches.aggregate(**{name: Sum(name) for name in COUNT_FIELDS})
        for name in COUNT_FIELDS:
            setattr(run, name, totals[name] or 0)
        if abandoned:
            run.status = SyncRun.Status.ABANDONED
        elif errors:
            run.status = SyncRun.Status.FAILED
        else:
            run.status = SyncRun.Status.SUCCEEDED
        run.errors = "\n".join(errors)[:20000]
        run.export_files = files
        run.finished_at = timezone.now()
        run.save()
    logger.info(
        "directory sync #%s %s: %s added, %s updated, %s withdrawn, %s rejected, %s left for next time",
        run.pk, run.status, run.added, run.updated, run.withdrawn, run.rejected, run.left_for_next,
    )  # fmt: skip


# --- The entry point -----------------------------------------------------------------------------


def directory_sync_run(
    *,
    trigger: str,
    started_by=None,
    batch_size: int | None = None,
    publisher_names: list[str] | None = None,
    distribute: bool = False,
    progress=None,
) -> SyncRun:
    """Run a directory update. Inline by default (the command, tests); with `distribute`, each
    batch becomes a Celery task and the last one to finish closes the run (the beat task).
    `progress(batch)` is called after each inline batch. Raises SyncAlreadyRunning."""
    from .tasks import directory_sync_batch

    run = sync_run_start(
        trigger=trigger, started_by=started_by, batch_size=batch_size, publisher_names=publisher_names
    )
    batch_ids = list(run.batches.order_by("number").values_list("pk", flat=True))
    for batch_id in batch_ids:
        if distribute:
            directory_sync_batch.delay(batch_id)
        else:
            batch = sync_batch_process(batch_id)
            if progress and batch:
                progress(batch)
    run.refresh_from_db()
    return run


def directory_sync_dry_run(*, batch_size: int | None = None) -> DryRunReport:
    """What a run would send now: stages each batch in a transaction that is always rolled back,
    so nothing is written in the database or on disk."""
    report = DryRunReport()
    batch_size = batch_size or settings.DIRECTORY_SYNC_BATCH_SIZE
    due = Publication.objects.due_for_sync().order_by("service_id")
    after_id = 0
    while True:
        boundary = list(due.filter(service_id__gt=after_id).values_list("service_id", flat=True)[:batch_size])
        if not boundary:
            return report
        with transaction.atomic(), connection.cursor() as cursor:
            stage_batch(cursor, after_id=after_id, last_id=boundary[-1])
            cursor.execute(f"SELECT action, problem, count(*) FROM {TABLE} GROUP BY action, problem")
            for action, problem, count in cursor.fetchall():
                if problem:
                    report.rejected += count
                    report.reasons[problem] = report.reasons.get(problem, 0) + count
                else:
                    setattr(report, ACTION_COUNT[action], getattr(report, ACTION_COUNT[action]) + count)
            transaction.set_rollback(True)
        after_id = boundary[-1]
