"""The directory sync: one function, `directory_sync_run`, behind the monthly beat task, the
`sync_directory` command and the admin button.

How a run goes:
1. Start: record a SyncRun in state "running". A partial unique index allows one such row, so
   two starts race in the database and exactly one wins; the other raises SyncAlreadyRunning. A
   running run whose heartbeat stopped for DIRECTORY_SYNC_STALE_AFTER seconds (directory.heartbeat)
   is presumed dead, or taken over on purpose (`sync_take_over`): it is closed as abandoned (what its
   committed transactions sent is released) and the new run proceeds.
2. Repair: a full run first compares every publisher with the subscribers' choices and schedules
   again whatever differs (directory.drift), so that each full run ends with every publisher
   holding exactly the listings of the listed and accepted services.
3. Plan: cut the scheduled publications into batches by service id ranges, walking the partial
   index with keyset steps (no deep OFFSET, flat memory).
4. Each batch, inline or as a Celery task: claim it, lock its scheduled records, read them in one
   query, send them to every publisher, then record the outcome set-based, in the same
   transaction: statuses flip *only where the record's revision is still the one read*, and
   every listing sent marks its record as possibly held (`in_directory`). An edit waits for the
   batch's lock, so a cancellation always sees what the batch sent. A batch that fails rolls back
   whole: its records stay scheduled, nothing of it counts as sent; when the database refuses one
   record's value the batch is split until that record alone is refused.
5. Close: the batch that finds no batch left pending closes the run (once, under a row lock):
   publishers release their exports, counts are summed, the outcome recorded.
"""

import itertools
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext

from .drift import directory_reconcile
from .heartbeat import beat, heartbeat
from .models import Delivery, Publication, SyncBatch, SyncOutcome, SyncRun
from .publishers import PUBLISHERS, configured_publishers
from .staging import TABLE, drop_staged_batch, sent_sql, stage_batch

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


def _abandon(run: SyncRun, *, now, why: str):
    logger.warning("directory sync #%s: %s, closing it", run.pk, why)
    SyncBatch.objects.filter(run=run, state__in=[SyncBatch.State.PENDING, SyncBatch.State.RUNNING]).update(
        state=SyncBatch.State.FAILED, error=f"abandoned: {why}", finished_at=now
    )
    _close_run(run.pk, now=now, abandoned=True)


def _abandon_stale_runs(now):
    for run in SyncRun.objects.filter(status=SyncRun.Status.RUNNING, heartbeat_at__lt=_stale_before(now)):
        _abandon(run, now=now, why=f"no sign of life since {run.heartbeat_at.isoformat()}")


def sync_take_over(*, now=None) -> SyncRun | None:
    """Close the run under way as abandoned, whatever its heartbeat says (ops, after checking that
    it is dead: `sync_directory --take-over`). A batch still working for it rolls back when it
    tries to commit (directory.sync._hold_claim). Returns the run closed, if any."""
    now = now or timezone.now()
    run = SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first()
    if run is not None:
        _abandon(run, now=now, why="taken over by ops")
    return run


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


# What each run did to each service is kept this long (the customers' reports are long sent by
# then; a year and a month answers "what happened to my listing last year?"), then forgotten, so
# the table does not grow for ever.
OUTCOMES_KEPT = timedelta(days=400)


def _forget_old_outcomes(now):
    """One DELETE (the outcomes have no dependents): cheap when there is nothing to forget."""
    SyncOutcome.objects.filter(run__finished_at__lt=now - OUTCOMES_KEPT).delete()


def sync_run_start(*, trigger, started_by=None, batch_size=None, publisher_names=None, now=None) -> SyncRun:
    """Record a new run and plan its batches; raises SyncAlreadyRunning if one is under way."""
    now = now or timezone.now()
    publisher_names = [publisher.name for publisher in configured_publishers(publisher_names)]
    _abandon_stale_runs(now)
    _forget_old_outcomes(now)
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
    try:
        with heartbeat(run_id=run.pk):
            if _is_full_run(run.publishers):
                run.repaired = directory_reconcile(run=run, now=now)
            run.batches_total = _plan_batches(run)
    except Exception as error:  # the run must not stay "running" with nothing to run it
        logger.error("directory sync #%s could not start: %s", run.pk, describe(error),
                     exc_info=not isinstance(error, DatabaseError))  # fmt: skip
        _close_run(run.pk, now=now, error=describe(error))
        run.refresh_from_db()
        return run
    run.save(update_fields=["batches_total", "repaired"])
    logger.info("directory sync #%s started by %s: %s batches, %s differences repaired", run.pk, trigger,
                run.batches_total, run.repaired)  # fmt: skip
    if run.batches_total == 0:
        _close_run(run.pk, now=now)
        run.refresh_from_db()
    return run


# --- 3. Batches ----------------------------------------------------------------------------------


class ClaimLost(Exception):
    """The batch was taken over (its run closed, or another process claimed it) while this
    process worked on it: its transaction rolls back, the new holder does the work."""


def _lock_scheduled(cursor, *, after_id, last_id):
    """Lock the range's scheduled publications for the transaction, before reading them: an edit
    of one of them waits for the batch to commit and then decides on what the batch did (a
    cancellation sees the listing sent and schedules its withdrawal). SQLite has one writer at a
    time and no row locks."""
    if connection.vendor == "postgresql":
        cursor.execute(
            f"SELECT service_id FROM {Publication._meta.db_table} WHERE status = 'scheduled' "
            "AND service_id > %s AND service_id <= %s ORDER BY service_id FOR UPDATE",
            [after_id, last_id],
        )


def _lock_staged(cursor):
    """Lock what was staged too: a record scheduled while the batch waited for its first lock was
    read without one. Locked before any publisher writes, as an edit locks it before touching
    the directory: the two never wait for each other in opposite orders. If it changed between
    the read and this lock, it counts as edited meanwhile (_record_outcomes)."""
    if connection.vendor == "postgresql":
        cursor.execute(
            f"SELECT service_id FROM {Publication._meta.db_table} WHERE service_id IN "
            f"(SELECT service_id FROM {TABLE}) ORDER BY service_id FOR UPDATE"
        )


def _record_outcomes(cursor, *, run, after_id, last_id, now) -> tuple[dict, list[int]]:
    """After the publishers took the staged records: statuses and `in_directory`, set-based.
    Returns the counts and the records edited since the batch read them.

    - A full run flips the records whose revision is still the one read: accepted ones to synced
      (blank after a withdrawal), refused ones to error with their reason; in both cases
      `in_directory` says whether they are held now.
    - Whatever the run, a listing sent marks its record `in_directory` in this same transaction,
      and a record meanwhile switched to a blank status gets its withdrawal scheduled instead.
    """
    publication = Publication._meta.db_table
    same_range = (
        f"{publication}.service_id = {TABLE}.service_id "
        # The batch's id range again: the planner then reads the publications by an index range.
        f"AND {publication}.service_id > {int(after_id)} AND {publication}.service_id <= {int(last_id)}"
    )
    sent = sent_sql()
    full_run = _is_full_run(run.publishers)
    flipped = set()
    if full_run:
        cursor.execute(
            f"UPDATE {publication} SET "
            f"status = CASE WHEN {TABLE}.problem IS NOT NULL THEN 'error' "
            f"WHEN {publication}.listed THEN 'synced' ELSE 'none' END, "
            f"in_directory = ({TABLE}.problem IS NULL AND {publication}.listed), "
            f"synced_at = CASE WHEN {TABLE}.problem IS NULL THEN %s ELSE {publication}.synced_at END, "
            f"error_reason = COALESCE({TABLE}.problem, '') FROM {TABLE} "
            f"WHERE {same_range} AND {publication}.revision = {TABLE}.revision "
            f"AND {publication}.status = 'scheduled' RETURNING {publication}.service_id",
            [now],
        )
        flipped = {service_id for (service_id,) in cursor.fetchall()}
        # Every staged record was scheduled and is locked: it is flipped unless edited since.
        cursor.execute(f"SELECT service_id FROM {TABLE}")
        edited = sorted({service_id for (service_id,) in cursor.fetchall()} - flipped)
        # Flipped records are marked already; only the edited ones can still lack the mark.
        same_range += f" AND {publication}.service_id IN ({', '.join(str(int(i)) for i in edited) or 'NULL'})"
    else:
        cursor.execute(
            f"SELECT p.service_id FROM {publication} p JOIN {TABLE} t ON t.service_id = p.service_id "
            "WHERE p.service_id > %s AND p.service_id <= %s "
            "AND (p.revision <> t.revision OR p.status <> 'scheduled' OR p.listed <> t.listed)",
            [after_id, last_id],
        )
        edited = [service_id for (service_id,) in cursor.fetchall()]
    if edited or not full_run:
        cursor.execute(
            f"UPDATE {publication} SET in_directory = TRUE, "
            f"revision = {publication}.revision + CASE WHEN {publication}.status = 'none' THEN 1 ELSE 0 END, "
            f"scheduled_at = CASE WHEN {publication}.status = 'none' THEN %s "
            f"ELSE {publication}.scheduled_at END, "
            f"status = CASE WHEN {publication}.status = 'none' THEN 'scheduled' ELSE {publication}.status END "
            f"FROM {TABLE} WHERE {same_range} AND {sent} AND NOT {publication}.in_directory",
            [now],
        )
    if full_run:
        _record_service_outcomes(cursor, run_id=run.pk, edited=edited)
    counts = dict.fromkeys(COUNT_FIELDS, 0)
    cursor.execute(f"SELECT service_id, action, problem FROM {TABLE}")
    for service_id, action, problem in cursor.fetchall():
        if service_id not in flipped:
            counts["left_for_next"] += 1
        elif problem is not None:
            counts["rejected"] += 1
        else:
            counts[ACTION_COUNT[action]] += 1
    return counts, edited


def _record_service_outcomes(cursor, *, run_id: int, edited: list[int]):
    """What the run did with each flipped record (every staged one but those edited since it was
    read), for the customers' report e-mails (notifications): in the batch's transaction, so a
    batch rolled back tells nobody anything."""
    outcome = SyncOutcome._meta.db_table
    not_edited = f"AND t.service_id NOT IN ({', '.join(str(int(i)) for i in edited)})" if edited else ""
    cursor.execute(
        f"INSERT INTO {outcome} (run_id, service_id, kind, reason, revision) "
        f"SELECT %s, t.service_id, CASE WHEN t.problem IS NOT NULL THEN 'rejected' "
        f"WHEN t.action = 'withdraw' THEN 'withdrawn' WHEN t.action = 'update' THEN 'updated' ELSE 'added' END, "
        f"COALESCE(substr(t.problem, 1, 300), ''), t.revision FROM {TABLE} t WHERE TRUE {not_edited} "
        # A repair (directory_reconcile) stays one, unreported, unless it ends in a refusal or the
        # customer changed the record since the reconciliation (a later revision went out).
        f"ON CONFLICT (run_id, service_id) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, "
        f"revision = excluded.revision WHERE excluded.kind = 'rejected' OR excluded.revision <> {outcome}.revision",
        [run_id],
    )


def _hold_claim(batch: SyncBatch):
    """Still ours? Locks the batch row, so a take-over either happened before (and this
    transaction rolls back) or waits until this one has committed."""
    held = list(
        SyncBatch.objects.select_for_update(of=("self",))
        .filter(pk=batch.pk, state=SyncBatch.State.RUNNING, attempts=batch.attempts)
        .values_list("pk", flat=True)
    )
    if not held:
        raise ClaimLost(batch.pk)


def _send(batch: SyncBatch, *, after_id, last_id, part: str, now) -> dict:
    """Send the range's scheduled records to the run's publishers and record the outcome: one
    transaction, so that nothing of it counts as sent unless all of it is."""
    run = batch.run
    publishers = configured_publishers(run.publishers)
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_scheduled(cursor, after_id=after_id, last_id=last_id)
        stage_batch(cursor, after_id=after_id, last_id=last_id)
        _lock_staged(cursor)
        for publisher in publishers:
            publisher.reject(cursor, run_id=run.pk, part=part)
        for publisher in publishers:
            publisher.publish(cursor, run_id=run.pk, part=part, now=now)
        counts, edited = _record_outcomes(cursor, run=run, after_id=after_id, last_id=last_id, now=now)
        if edited and "annuaire" in run.publishers:
            PUBLISHERS["annuaire"]().apply_opt_outs(edited)
        _hold_claim(batch)
        drop_staged_batch(cursor)
    return counts


def describe(error: Exception) -> str:
    """An error as logs and support see it. A database error's message may quote the row it
    stopped on (a number, a name): only its class and SQLSTATE are kept."""
    if isinstance(error, DatabaseError) or type(error).__module__.startswith("psycopg"):
        sqlstate = getattr(error, "sqlstate", None) or getattr(error.__cause__, "sqlstate", None)
        return f"{type(error).__name__}" + (f" (SQLSTATE {sqlstate})" if sqlstate else "")
    return f"{type(error).__name__}: {error}"[:2000]


def _refuse(batch: SyncBatch, faulty: list[tuple[int, int, Exception]], *, parts, now) -> int:
    """The records the database would not take (service id, revision read, error), once the rest
    of their batch has gone: Synchronisation impossible, with a reason that the customer and
    support can read, and their old listing withdrawn from every publisher, as for any refusal.
    A run restricted to one publisher leaves them scheduled, like every status it sees."""
    if not _is_full_run(batch.run.publishers):
        return 0
    with translation.override("fr"):
        reasons = {
            service_id: gettext(
                "Refusée par l'annuaire lors de l'envoi (erreur technique %(error)s) : le support client "
                "a été prévenu."
            )
            % {"error": describe(error)}
            for service_id, _revision, error in faulty
        }
    refused, revisions = [], {service_id: revision for service_id, revision, _error in faulty}
    with transaction.atomic():
        for service_id, revision, _error in faulty:  # unless edited since: then it goes next time
            if Publication.objects.filter(
                service_id=service_id, revision=revision, status=Publication.Status.SCHEDULED
            ).update(
                status=Publication.Status.ERROR, error_reason=reasons[service_id][:300], in_directory=False
            ):
                refused.append(service_id)
        if refused:
            for publisher in configured_publishers(batch.run.publishers):
                publisher.withdraw(refused, run_id=batch.run_id, part=next(parts), now=now)
            for service_id in refused:  # at most MAX_REFUSED_PER_BATCH
                SyncOutcome.objects.update_or_create(
                    run_id=batch.run_id, service_id=service_id,
                    defaults={"kind": SyncOutcome.Kind.REJECTED, "reason": reasons[service_id][:300],
                              "revision": revisions[service_id]},
                )  # fmt: skip
        _hold_claim(batch)
    for service_id, _revision, error in faulty:
        logger.error(
            "directory sync #%s batch %s: service %s refused by the database: %s",
            batch.run_id, batch.number, service_id, describe(error),
        )  # fmt: skip
    return len(refused)


# A fault that every record of a batch meets, or more records refused by the database in one
# batch than this, is not about the records: the batch fails whole (a fault of ours, or of the
# database), and its records wait for the next run.
MAX_REFUSED_PER_BATCH = 10


def _send_isolating(batch: SyncBatch, *, after_id, last_id, parts, faulty: list, now) -> Counter:
    """_send, and when the database refuses a value (too long, invalid, duplicate...), split the
    range in two and send each half, down to the one record at fault, which is set aside in
    `faulty`: one record never holds back the others. Other errors (disk, network) fail the batch
    whole. Counts the transactions that went through as `sent_parts`."""
    try:
        counts = _send(batch, after_id=after_id, last_id=last_id, part=next(parts), now=now)
        return Counter(counts) + Counter(sent_parts=1)
    except (DataError, IntegrityError) as error:
        due = Publication.objects.due_for_sync().filter(service_id__gt=after_id, service_id__lte=last_id)
        records = list(due.order_by("service_id").values_list("service_id", "revision"))
        if len(records) == 1:
            faulty.append((*records[0], error))
            if len(faulty) > MAX_REFUSED_PER_BATCH:
                raise  # not the records' fault: stop splitting, the batch fails whole
        if len(records) <= 1:
            return Counter()
        middle = records[len(records) // 2 - 1][0]
        counts = Counter()
        for a, b in ((after_id, middle), (middle, last_id)):
            counts += _send_isolating(batch, after_id=a, last_id=b, parts=parts, faulty=faulty, now=now)
        return counts


def _claim(batch_id, now) -> SyncBatch | None:
    claimable = Q(state=SyncBatch.State.PENDING) | Q(
        state=SyncBatch.State.RUNNING, heartbeat_at__lt=_stale_before(now)
    )
    claimed = SyncBatch.objects.filter(claimable, pk=batch_id, run__status=SyncRun.Status.RUNNING).update(
        state=SyncBatch.State.RUNNING, claimed_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    return SyncBatch.objects.select_related("run").get(pk=batch_id) if claimed else None


def sync_batch_held(batch_id: int) -> bool:
    """Is the batch being worked on by some process, for a run still under way?"""
    return SyncBatch.objects.filter(
        pk=batch_id, state=SyncBatch.State.RUNNING, run__status=SyncRun.Status.RUNNING
    ).exists()


def sync_batch_process(batch_id: int, *, now=None) -> SyncBatch | None:
    """Process one batch if nobody else holds it; close the run if it was the last. Idempotent:
    a batch already done, or held by a live worker, is left alone (a redelivered task is
    harmless), and a batch taken over meanwhile rolls back its last transaction."""
    now = now or timezone.now()
    batch = _claim(batch_id, now)
    if batch is None:
        return None
    run = batch.run
    ours = SyncBatch.objects.filter(pk=batch.pk, state=SyncBatch.State.RUNNING, attempts=batch.attempts)
    parts = (f"batch-{batch.number:06d}-{batch.attempts:03d}-{n:04d}" for n in itertools.count(1))
    with heartbeat(run_id=run.pk, batch_id=batch.pk):
        try:
            faulty = []
            counts = _send_isolating(
                batch, after_id=batch.after_id, last_id=batch.last_id, parts=parts, faulty=faulty, now=now
            )
            if faulty:
                if len(faulty) > MAX_REFUSED_PER_BATCH or not counts["sent_parts"]:
                    raise faulty[0][2]
                counts["rejected"] += _refuse(batch, faulty, parts=parts, now=now)
            ours.update(state=SyncBatch.State.DONE, finished_at=timezone.now(), error="",
                        **{name: counts[name] for name in COUNT_FIELDS})  # fmt: skip
            logger.info("directory sync #%s batch %s done: %s added, %s updated, %s withdrawn, %s rejected",
                        run.pk, batch.number, counts["added"], counts["updated"], counts["withdrawn"],
                        counts["rejected"], extra={"run_id": run.pk, "batch_id": batch.pk, "batch": batch.number})  # fmt: skip
        except ClaimLost:
            logger.warning("directory sync #%s batch %s was taken over: left to its new holder", run.pk,
                           batch.number, extra={"run_id": run.pk, "batch_id": batch.pk, "batch": batch.number})  # fmt: skip
            return None
        except Exception as error:
            logger.error("directory sync #%s batch %s failed: %s", run.pk, batch.number, describe(error),
                         exc_info=not isinstance(error, DatabaseError),
                         extra={"run_id": run.pk, "batch_id": batch.pk, "batch": batch.number})  # fmt: skip
            ours.update(
                state=SyncBatch.State.FAILED,
                finished_at=timezone.now(),
                error=describe(error),
                left_for_next=Publication.objects.due_for_sync()
                .filter(service_id__gt=batch.after_id, service_id__lte=batch.last_id)
                .count(),
            )
    beat(run_id=run.pk)
    if not SyncBatch.objects.filter(
        run_id=run.pk, state__in=[SyncBatch.State.PENDING, SyncBatch.State.RUNNING]
    ).exists():
        _close_run(run.pk, now=now)
    batch.refresh_from_db()
    return batch


# --- 4. Close ------------------------------------------------------------------------------------


def _close_run(run_id: int, *, now, abandoned: bool = False, error: str = ""):
    """Release the run's exports and record its outcome; once (under the run's row lock), and a
    second close changes nothing. An export that cannot be released fails the run, and what it
    carried counts as not delivered: the next full run sends it again (directory.drift)."""
    with transaction.atomic():
        run = SyncRun.objects.select_for_update().get(pk=run_id)
        if run.status != SyncRun.Status.RUNNING:
            return
        batches = SyncBatch.objects.filter(run=run)
        errors = [error] if error else []
        errors += [
            f"lot {number} : {batch_error}"
            for number, batch_error in batches.exclude(error="").values_list("number", "error")
        ]
        files, released = [], True
        publishers = configured_publishers(run.publishers)
        for publisher in publishers:
            try:
                files += publisher.finish(run=run, now=now)
            except Exception as error:
                logger.exception("directory sync #%s: publisher %s could not finish", run.pk, publisher.name)
                errors.append(f"{publisher.name} : {describe(error)}")
                released = False
        if released:
            run.export_released_at = timezone.now()
            # Withdrawals that have left need no record any more.
            Delivery.objects.filter(run=run, digest__isnull=True).delete()
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
        # Each customer whose listings this run changed gets one e-mail saying what happened; the
        # batches that went through committed their outcomes, whatever the run's own outcome.
        transaction.on_commit(lambda: _queue_run_reports(run.pk))
    # The parts are in the released file, or will never be (the next run resends what they held):
    # a run closed again after a crash finds its export already there and keeps it.
    for publisher in publishers:
        publisher.cleanup(run_id=run_id)
    logger.info(
        "directory sync #%s %s: %s added, %s updated, %s withdrawn, %s rejected, %s left for next time, "
        "%s repaired",
        run.pk, run.status, run.added, run.updated, run.withdrawn, run.rejected, run.left_for_next,
        run.repaired,
    )  # fmt: skip


def _queue_run_reports(run_id: int):
    from notifications.tasks import run_reports_plan_task

    try:
        run_reports_plan_task.delay(run_id)
    except Exception as error:  # a broker down: the e-mails' sweep plans them later
        logger.warning("directory sync #%s: reports to customers not queued (%s), left to the sweep",
                       run_id, describe(error))  # fmt: skip


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
    if distribute:
        for batch_id in batch_ids:
            directory_sync_batch.delay(batch_id)
    else:  # each batch beats for the run while it works (sync_batch_process)
        for batch_id in batch_ids:
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
