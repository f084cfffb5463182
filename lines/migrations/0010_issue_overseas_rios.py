"""Every active overseas service with contact details gets its RIO now, as 0008 did for +33 numbers.

0008 gave a RIO to French numbers only as +33 and ten national digits; since issue 13 the overseas
numbers of the 10-digit plan (+262, +590, +594, +596, and +508's 10-digit blocks) carry one too,
computed over their national form (`0590201234` for +590590201234). Without this step an existing
overseas service would get its RIO only at its next edit (lines.services.contact_details_apply
issues one to a service that has none), and its overview would say it is still to come. Numbers
that carry no RIO (Saint-Pierre-et-Miquelon's six digits, numbers outside the plan) are skipped,
as lines.portability.no_rio_reason says. Only the `rio` column is written; nothing else changes.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import Q

from lines.phone import OVERSEAS_TERRITORIES, describe
from lines.rio import build_rio, contract_type_for, new_reference

_BATCH = 2000


def issue_overseas_rios(apps, schema_editor):
    from lines.portability import no_rio_reason  # the rule of today, on the rows of today

    Service = apps.get_model("lines", "Service")
    overseas = Q()
    for code in OVERSEAS_TERRITORIES:
        overseas |= Q(number__startswith=code)
    pending = (
        Service.objects.filter(overseas, state="active", rio="", contact_details__isnull=False)
        .order_by("pk")
        .values_list("pk", "number", "contact_details__legal_form")
    )
    last = 0
    while rows := list(pending.filter(pk__gt=last)[:_BATCH]):  # keyset steps: no cursor held across writes
        issued = []
        for pk, number, legal_form in rows:
            if no_rio_reason(str(number)) is not None:
                continue
            national = describe(str(number)).national
            contract_type = contract_type_for(national, business=legal_form != "individual")
            issued.append(
                Service(pk=pk, rio=build_rio(settings.RIO_OPERATOR_CODE, contract_type, new_reference(), national))
            )
        Service.objects.bulk_update(issued, ["rio"])
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("lines", "0009_servicechange_application"),
    ]

    operations = [
        migrations.RunPython(issue_overseas_rios, migrations.RunPython.noop),
    ]
