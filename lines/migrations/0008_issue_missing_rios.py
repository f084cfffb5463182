"""Every active service with contact details gets its RIO now, so that no page has to issue one.

Pages only read the RIO (GET writes nothing); from here on it is issued by the service layer in the
transaction that first saves a service's contact details (lines.services.contact_details_apply),
with the contract type of that legal form. Services without contact details get theirs then.
Only French numbers (+33, ten national digits) carry a RIO.
"""

import re

from django.conf import settings
from django.db import migrations

from lines.rio import build_rio, contract_type_for, new_reference

_BATCH = 2000
_FRENCH_NUMBER = re.compile(r"\+33[1-9][0-9]{8}")


def issue_missing_rios(apps, schema_editor):
    Service = apps.get_model("lines", "Service")
    pending = (
        Service.objects.filter(state="active", rio="", contact_details__isnull=False, number__startswith="+33")
        .order_by("pk")
        .values_list("pk", "number", "contact_details__legal_form")
    )
    last = 0
    while rows := list(pending.filter(pk__gt=last)[:_BATCH]):  # keyset steps: no cursor held across writes
        issued = []
        for pk, number, legal_form in rows:
            if not _FRENCH_NUMBER.fullmatch(str(number)):
                continue
            national = "0" + str(number)[3:]
            contract_type = contract_type_for(national, business=legal_form != "individual")
            rio = build_rio(settings.RIO_OPERATOR_CODE, contract_type, new_reference(), national)
            issued.append(Service(pk=pk, rio=rio))
        Service.objects.bulk_update(issued, ["rio"])
        last = rows[-1][0]


class Migration(migrations.Migration):

    dependencies = [
        ('lines', '0007_bulk_apply_jobs'),
    ]

    operations = [
        migrations.RunPython(issue_missing_rios, migrations.RunPython.noop),
    ]
