"""A stateful property test of the directory sync on PostgreSQL (Hypothesis RuleBasedStateMachine).

Customers edit, publish, cancel and switch options; full runs and runs restricted to one
publisher start; their batches run one by one, interleaved with the edits in any order; a batch
fails; a run is killed and taken over. After every full run that completes, each publisher (the
`Listing` table, and the export files replayed in order) holds exactly the listings of the listed
and synced services, with their current content; at every step, our own directory shows nobody
who said Non. A run left alone to the end converges completely, and check_directory agrees.

Edits and batches interleave between transactions, not inside one: a batch locks its records
before reading them (directory.sync._lock_scheduled), so on PostgreSQL an edit made while a batch
sends waits for it (tests/directory/test_convergence.py races real threads for that).
"""

import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from directory import publishers as publishers_module
from directory.drift import directory_check
from directory.models import Delivery, DirectoryCheck, ExportPart, Listing, Publication, SyncBatch, SyncRun
from directory.sync import sync_batch_process, sync_run_start
from lines.models import ContactDetails, Service, ServiceChange
from lines.services import contact_details_apply
from tests.directory.oracle import assert_converged, assert_nobody_unlisted_in_our_directory
from tests.factories import COMPANY_DETAILS, INDIVIDUAL_DETAILS, make_service

SERVICES = 5
DETAILS = st.sampled_from(
    [
        INDIVIDUAL_DETAILS,
        {**INDIVIDUAL_DETAILS, "last_name": "Martin", "street_name": "de la Roquette"},
        COMPANY_DETAILS,
    ]
)
CHOICES = st.fixed_dictionaries(
    {
        "listed": st.booleans(),
        "marketing_accepted": st.booleans(),
        "reverse_search": st.booleans(),
        "name_display": st.sampled_from(["full", "initial"]),
        "address_display": st.sampled_from(["full", "city"]),
        # "www." is advertising: the directories refuse it (Synchronisation impossible).
        "line_designation": st.sampled_from(["", "Maison", "Bureau", "www.promo.fr"]),
    }
)


class DirectorySync(RuleBasedStateMachine):
    customer = None  # set by the test

    def __init__(self):
        super().__init__()
        for model in (Listing, Delivery, ExportPart, DirectoryCheck, SyncBatch, SyncRun, Publication,
                      ContactDetails, ServiceChange):  # fmt: skip
            model.objects.all().delete()
        Service.objects.all().delete()
        self.folder = Path(tempfile.mkdtemp(prefix="sync-machine-"))
        self.settings = override_settings(DIRECTORY_EXPORT_DIR=self.folder)
        self.settings.enable()
        self.services = [make_service(self.customer) for _ in range(SERVICES)]

    def teardown(self):
        self.settings.disable()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- the running run ------------------------------------------------------------------------

    def running(self):
        return SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first()

    def pending_batch(self):
        run = self.running()
        return run and run.batches.filter(state=SyncBatch.State.PENDING).order_by("number").first()

    def after_batch(self, run):
        run.refresh_from_db()
        if run.status != SyncRun.Status.RUNNING and len(run.publishers) == 2:
            assert_converged()

    # --- rules ----------------------------------------------------------------------------------

    @rule(index=st.integers(0, SERVICES - 1), details=DETAILS, choices=CHOICES)
    def edit(self, index, details, choices):
        """A customer saves contact details and directory choices (publish, cancel, switch options)."""
        contact_details_apply(service=self.services[index], details=details, publication=choices,
                              actor=self.customer)  # fmt: skip

    @precondition(lambda self: self.running() is None)
    @rule(publishers=st.sampled_from([None, ["annuaire"], ["file"]]))
    def start_run(self, publishers):
        """A full run (beat, command), or one restricted to one publisher (`--publisher`)."""
        run = sync_run_start(trigger=SyncRun.Trigger.COMMAND, batch_size=2, publisher_names=publishers)
        self.after_batch(run)  # a run with nothing to send closes at once

    @precondition(lambda self: self.pending_batch() is not None)
    @rule()
    def process_batch(self):
        batch = self.pending_batch()
        sync_batch_process(batch.pk)
        self.after_batch(batch.run)

    @precondition(lambda self: self.pending_batch() is not None)
    @rule(which=st.integers(0, 1))
    def failing_batch(self, which):
        """A publisher fails in the middle of a batch (disk full, network): the batch rolls back."""
        batch = self.pending_batch()
        cls = publishers_module.PUBLISHERS[batch.run.publishers[which % len(batch.run.publishers)]]
        real = cls.publish

        def fail(self, cursor, **kwargs):
            real(self, cursor, **kwargs)
            raise OSError("disk full")

        cls.publish = fail
        try:
            assert sync_batch_process(batch.pk).state == SyncBatch.State.FAILED
        finally:
            cls.publish = real
        self.after_batch(batch.run)

    @precondition(lambda self: self.running() is not None)
    @rule()
    def kill_run(self):
        """The process dies (kill -9) holding a batch: no more heartbeats; the next start takes over."""
        run = self.running()
        long_ago = timezone.now() - timedelta(hours=1)
        batch = self.pending_batch()
        if batch is not None:
            SyncBatch.objects.filter(pk=batch.pk).update(state=SyncBatch.State.RUNNING, heartbeat_at=long_ago,
                                                         attempts=1)  # fmt: skip
        SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)

    @precondition(lambda self: self.running() is None)
    @rule()
    def full_run_left_alone(self):
        """A full run with nothing else happening: everything converges, and the check agrees."""
        run = sync_run_start(trigger=SyncRun.Trigger.COMMAND, batch_size=2)
        for batch_id in run.batches.order_by("number").values_list("pk", flat=True):
            sync_batch_process(batch_id)
        run.refresh_from_db()
        assert run.status == SyncRun.Status.SUCCEEDED, run.errors
        assert not Publication.objects.filter(status="scheduled").exists()
        assert_converged()
        drift, _check = directory_check(with_ids=True)
        assert drift.total == 0, drift.counts

    @invariant()
    def nobody_unlisted_in_our_directory(self):
        assert_nobody_unlisted_in_our_directory()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # every step commits, as in production
def test_the_directories_converge_whatever_the_interleaving(customer, communes):
    DirectorySync.customer = customer
    run_state_machine_as_test(
        DirectorySync,
        settings=settings(
            max_examples=int(os.environ.get("SYNC_MACHINE_EXAMPLES", "25")),
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
