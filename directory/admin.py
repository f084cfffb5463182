"""Django admin for ops: the directory sync runs, and a button that starts one through the same
function as the monthly job (refused while a run is under way)."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .models import DirectoryCheck, SyncBatch, SyncRun
from .sync import SyncAlreadyRunning, directory_sync_run


class SyncBatchInline(admin.TabularInline):
    model = SyncBatch
    fields = ("number", "after_id", "last_id", "state", "attempts", "heartbeat_at", "added", "updated", "withdrawn",
              "rejected", "left_for_next", "finished_at", "error")  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("__str__", "started_at", "finished_at", "trigger", "started_by", "status", "added", "updated",
                    "withdrawn", "rejected", "left_for_next", "repaired")  # fmt: skip
    list_filter = ("status", "trigger")
    list_select_related = ("started_by",)
    readonly_fields = ("trigger", "started_by", "publishers", "batch_size", "status", "started_at", "heartbeat_at",
                       "finished_at", "batches_total", "added", "updated", "withdrawn", "rejected", "left_for_next",
                       "repaired", "errors", "files", "export_released_at")  # fmt: skip
    exclude = ("export_files",)
    inlines = [SyncBatchInline]
    change_list_template = "admin/directory/syncrun/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("fichiers exportés"))
    def files(self, run):
        folder = settings.DIRECTORY_EXPORT_DIR
        return format_html_join("", "<div>{}</div>", ((folder / name,) for name in run.export_files)) or "—"

    def get_urls(self):
        start = self.admin_site.admin_view(require_POST(self.start_view))
        return [path("lancer/", start, name="directory_syncrun_start"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_run_sync": request.user.has_perm("directory.run_sync"),
            "last_check": DirectoryCheck.objects.select_related("run").first(),
        }
        return super().changelist_view(request, extra_context)

    def start_view(self, request):
        """Start a run now; with a broker its batches go to the workers and this answers at once."""
        if not request.user.has_perm("directory.run_sync"):
            raise PermissionDenied
        try:
            run = directory_sync_run(
                trigger=SyncRun.Trigger.ADMIN, started_by=request.user, distribute=bool(settings.REDIS_URL)
            )
        except SyncAlreadyRunning as running:
            self.message_user(
                request,
                _("Une synchronisation est déjà en cours (#%(run)s) : rien n'a été lancé.")
                % {"run": running.run.pk if running.run else "?"},
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                _("Synchronisation #%(run)s lancée : %(batches)s lot(s).")
                % {"run": run.pk, "batches": run.batches_total},
                messages.SUCCESS,
            )
        return redirect("admin:directory_syncrun_changelist")
