"""Apply to all as a background job: the POST records it and sends to its page (303), a Celery task
(in-process here, as with `make run`) applies it chunk by chunk through contact_details_apply, the
page shows the progress and then each service's result. Each target is applied once, whatever
the deliveries, and one that fails does not stop the others."""

import re

import pytest
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from lines.models import BulkApplyJob, BulkApplyTarget, ContactDetails, Service, ServiceChange
from lines.services import BULK_CHUNK_SIZE, bulk_apply_job_process, contact_details_apply
from lines.tasks import bulk_apply_run
from tests.factories import INDIVIDUAL_DETAILS, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def source(customer):
    """Claire Durand's line, listed in the directories: the details to apply to the others."""
    service = make_service(customer, number="+33199000090")
    contact_details_apply(service=service, details=INDIVIDUAL_DETAILS, publication={"listed": True},
                          actor=customer)  # fmt: skip
    return service


def make_targets(owner, count):
    """`count` other active services of the owner's account, without details, set-based."""
    account = owner.billing_accounts.first()
    return Service.objects.bulk_create(
        Service(
            billing_account=account, kind=Service.Kind.NUMBER, number=f"+331880{i:05d}", label=f"Poste {i}"
        )
        for i in range(count)
    )


def post_apply_to_all(client, source, capture):
    """The customer's POST; the task it queues is held in `capture` until the test releases it."""
    with capture() as callbacks:
        response = client.post(reverse("bulk_apply"), {"source": source.number_digits, "apply_to_all": "on"})
    assert response.status_code == 303
    job = BulkApplyJob.objects.get()
    assert response["Location"] == reverse("bulk_apply_job", args=[job.pk])
    return job, callbacks


def run(callbacks):
    for callback in callbacks:  # what the commit of the POST's transaction does: the task, eagerly
        callback()


def bulk_changes():
    return ServiceChange.objects.filter(source=ServiceChange.Source.BULK)


def test_apply_to_all_goes_through_the_job_page_with_progress_then_results(
    signed_in, customer, source, django_capture_on_commit_callbacks
):
    targets = make_targets(customer, 300)
    job, callbacks = post_apply_to_all(signed_in, source, django_capture_on_commit_callbacks)
    url = reverse("bulk_apply_job", args=[job.pk])
    assert (job.state, job.total, job.done) == ("queued", 300, 0)
    assert not bulk_changes().exists()  # nothing applied by the request itself

    waiting = signed_in.get(url)
    assert waiting.status_code == 200 and waiting["Refresh"] == "2"  # reloads itself, no script
    assert re.search(r"\b0 services? traités? sur 300", waiting.content.decode())
    assert "<script" not in waiting.content.decode()

    bulk_apply_job_process(job.pk, chunks=1)  # as far as a worker has gone
    running = signed_in.get(url)
    assert running["Refresh"] == "2"
    assert f"{BULK_CHUNK_SIZE} services traités sur 300" in running.content.decode()
    assert f'value="{BULK_CHUNK_SIZE}" max="300"' in running.content.decode()

    run(callbacks)
    finished = signed_in.get(url)
    page = finished.content.decode()
    assert "Refresh" not in finished
    assert "Résultat de l'application groupée" in page and "appliquées à 300 services" in page
    assert len(finished.context["rows"]) == 100 and "Page 1 sur 3" in page
    assert ContactDetails.objects.filter(service__in=targets, last_name="Durand").count() == 300
    assert bulk_changes().count() == 300
    job.refresh_from_db()
    assert (job.state, job.done, job.failed) == ("finished", 300, 0) and job.finished_at

    for _ in range(3):  # reloading the results submits nothing again
        assert signed_in.get(url).status_code == 200
    assert BulkApplyJob.objects.count() == 1 and bulk_changes().count() == 300


def test_the_job_page_is_its_owners_only(
    client, signed_in, customer, other_customer, source, django_capture_on_commit_callbacks
):
    make_targets(customer, 3)
    job, callbacks = post_apply_to_all(signed_in, source, django_capture_on_commit_callbacks)
    run(callbacks)
    url = reverse("bulk_apply_job", args=[job.pk])
    client.force_login(other_customer)
    assert client.get(url).status_code == 404
    assert client.head(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_post_without_any_target_records_no_job(signed_in, customer, source):
    make_targets(customer, 2)
    response = signed_in.post(reverse("bulk_apply"), {"source": source.number_digits})
    assert response.status_code == 200 and "Cochez au moins un service" in response.content.decode()
    assert not BulkApplyJob.objects.exists()


def test_a_redelivered_task_applies_nothing_twice(
    signed_in, customer, source, django_capture_on_commit_callbacks
):
    make_targets(customer, 250)
    job, callbacks = post_apply_to_all(signed_in, source, django_capture_on_commit_callbacks)
    bulk_apply_job_process(job.pk, chunks=1)  # a first delivery got through one chunk, then died
    run(callbacks)  # the same message, delivered again
    bulk_apply_run.delay(job.pk)  # and once more after the job finished
    per_service = bulk_changes().values("service").annotate(n=Count("pk"))
    assert len(per_service) == 250 and {row["n"] for row in per_service} == {1}
    job.refresh_from_db()
    assert (job.state, job.done, job.failed) == ("finished", 250, 0)


def test_a_long_job_goes_on_in_fresh_tasks(signed_in, customer, source, django_capture_on_commit_callbacks):
    """A task stops after its time budget and queues the rest: here a budget of nothing, so one
    chunk per task, three tasks in all."""
    make_targets(customer, 2 * BULK_CHUNK_SIZE + 1)
    job, _ = post_apply_to_all(signed_in, source, django_capture_on_commit_callbacks)
    assert bulk_apply_run.delay(job.pk, 0).get() == "continued"
    job.refresh_from_db()
    assert (job.state, job.done) == ("finished", 2 * BULK_CHUNK_SIZE + 1)
    assert bulk_changes().count() == 2 * BULK_CHUNK_SIZE + 1


def refuse_details_of(service):
    """The database itself refuses this service's contact details (a trigger): a real failure,
    raised in the middle of a chunk's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.service_id = {service.pk} THEN RAISE EXCEPTION 'refused by the test'; END IF; "
                "RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse_one BEFORE INSERT ON lines_contactdetails "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_one()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER test_refuse_one BEFORE INSERT ON lines_contactdetails "
                f"WHEN NEW.service_id = {service.pk} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            )


def test_a_failing_target_is_recorded_and_the_others_go_on(
    signed_in, customer, other_customer, source, django_capture_on_commit_callbacks
):
    targets = make_targets(customer, 150)
    job, callbacks = post_apply_to_all(signed_in, source, django_capture_on_commit_callbacks)
    terminated, moved, refused = targets[5], targets[7], targets[120]  # refused: in the second chunk
    Service.objects.filter(pk=terminated.pk).update(state="terminated", terminated_at=timezone.now())
    Service.objects.filter(pk=moved.pk).update(billing_account=other_customer.billing_accounts.get())
    refuse_details_of(refused)
    run(callbacks)

    job.refresh_from_db()
    assert (job.state, job.done, job.failed) == ("finished", 150, 3)
    failed = dict(job.targets.filter(result=BulkApplyTarget.Result.FAILED).values_list("service", "error"))
    assert set(failed) == {terminated.pk, moved.pk, refused.pk}
    assert "résilié" in failed[terminated.pk]
    assert failed[moved.pk] == "Ce service ne fait plus partie de ce compte."
    assert failed[refused.pk] == "Erreur technique : ce service n'a pas été modifié."
    applied = ContactDetails.objects.filter(service__in=targets, last_name="Durand")
    assert applied.count() == 147 and not applied.filter(service__in=failed).exists()
    assert bulk_changes().count() == 147

    response = signed_in.get(reverse("bulk_apply_job", args=[job.pk]))
    assert "3 services n'ont pas pu être modifiés" in response.content.decode()
    rows = response.context["rows"]
    assert [row["result"] for row in rows[:4]] == ["failed", "failed", "failed", "changed"]  # failures first


def test_a_job_whose_task_was_lost_is_queued_again_by_the_sweep(
    signed_in, customer, source, django_capture_on_commit_callbacks
):
    """The message never reached a worker (broker down at the commit, worker killed with it): the
    job stays queued until the beat's sweep finds nothing has advanced it for ten minutes."""
    from datetime import timedelta

    from lines.tasks import bulk_apply_sweep

    make_targets(customer, 120)
    job, _lost = post_apply_to_all(signed_in, source, django_capture_on_commit_callbacks)
    assert bulk_apply_sweep.delay().get() == 0  # just recorded: not stalled yet
    BulkApplyJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    assert bulk_apply_sweep.delay().get() == 1
    job.refresh_from_db()
    assert (job.state, job.done) == ("finished", 120)
    page = signed_in.get(reverse("bulk_apply_job", args=[job.pk]))
    assert "Refresh" not in page


def test_a_job_that_never_advanced_in_a_day_is_closed_as_interrupted(
    signed_in, customer, source, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from lines.tasks import bulk_apply_sweep

    make_targets(customer, 3)
    job, _lost = post_apply_to_all(signed_in, source, django_capture_on_commit_callbacks)
    BulkApplyJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert bulk_apply_sweep.delay().get() == 0
    job.refresh_from_db()
    assert job.state == "failed" and job.done == 0
    page = signed_in.get(reverse("bulk_apply_job", args=[job.pk]))
    assert "Refresh" not in page and "interrompue" in page.content.decode()
