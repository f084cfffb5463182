"""The staff groups and what they may do in the admin; recreated after every migrate.

- support: views everything, edits contact details and directory choices (through the same
  service as the panel), re-queues a listing, withdraws one at its subscriber's request, and
  unlocks a locked-out sign-in (deletes django-axes' access attempt).
- ops: views everything, starts and watches the directory sync.
Nobody but a superuser deletes a service or edits a status by hand.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

SUPPORT = "support"
OPS = "ops"

_VIEW_APPS = ["accounts", "lines", "directory", "notifications", "customer_api"]
_GROUP_EXTRA_PERMISSIONS = {
    SUPPORT: [
        "lines.change_contactdetails",
        "lines.add_contactdetails",
        "directory.requeue_publication",
        "directory.withdraw_publication",
        "lines.regenerate_rio",
        "lines.check_port_out",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
    OPS: ["directory.run_sync"],
}


def ensure_staff_groups(**kwargs):
    """Idempotent. post_migrate fires once per app, before some apps' permissions exist: each
    call grants what exists so far, and the call after the last app grants everything."""
    view = Q(content_type__app_label__in=_VIEW_APPS, codename__startswith="view_")
    for name, extra in _GROUP_EXTRA_PERMISSIONS.items():
        wanted = view
        for label in extra:
            app_label, codename = label.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(wanted))
