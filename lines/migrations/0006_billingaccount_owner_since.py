"""When each billing account came to its current owner (BillingAccount.owner_since).

Existing accounts get the latest moment the data shows them changing hands, else their creation:
- an admin change of the account that changed its owner (the admin's LogEntry, "Titulaire");
- a history entry made by a customer other than the current owner (it was theirs then).
"""

import json
from datetime import timedelta

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F, Max

_OWNER_LABELS = {"titulaire", "owner"}


def _changes_owner(message: str) -> bool:
    try:
        entries = json.loads(message)
    except ValueError:
        return any(label in message.lower() for label in _OWNER_LABELS)
    if not isinstance(entries, list):
        return False
    for entry in entries:
        changed = entry.get("changed") if isinstance(entry, dict) else None
        fields = changed.get("fields", []) if isinstance(changed, dict) else []
        if any(str(field).lower() in _OWNER_LABELS for field in fields):
            return True
    return False


def backfill_owner_since(apps, schema_editor):
    BillingAccount = apps.get_model("lines", "BillingAccount")
    ServiceChange = apps.get_model("lines", "ServiceChange")
    LogEntry = apps.get_model("admin", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")

    BillingAccount.objects.update(owner_since=F("created_at"))
    since = {}
    by_former_owners = (
        ServiceChange.objects.filter(actor__is_staff=False)
        .exclude(actor_id=F("service__billing_account__owner_id"))
        .values("service__billing_account_id")
        .annotate(last=Max("at"))
    )
    for row in by_former_owners:
        since[row["service__billing_account_id"]] = row["last"] + timedelta(microseconds=1)
    content_type = ContentType.objects.filter(app_label="lines", model="billingaccount").first()
    if content_type is not None:
        entries = LogEntry.objects.filter(content_type=content_type, action_flag=2).values_list(
            "object_id", "action_time", "change_message"
        )
        for object_id, action_time, message in entries.iterator():
            if object_id.isdigit() and _changes_owner(message):
                account_id = int(object_id)
                since[account_id] = max(since.get(account_id, action_time), action_time)
    for account_id, moment in since.items():
        BillingAccount.objects.filter(pk=account_id, owner_since__lt=moment).update(owner_since=moment)


class Migration(migrations.Migration):

    dependencies = [
        ('lines', '0005_rio_and_port_out_checks'),
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='billingaccount',
            name='owner_since',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='titulaire depuis'),
        ),
        migrations.RunPython(backfill_owner_since, migrations.RunPython.noop),
    ]
