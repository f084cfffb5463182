"""Support reads what was sent to whom (and why not); nobody writes or deletes it here."""

from django.contrib import admin

from telecom_panel.admin_search import BoundedSearchMixin

from .models import CustomerEmail


@admin.register(CustomerEmail)
class CustomerEmailAdmin(BoundedSearchMixin, admin.ModelAdmin):
    list_display = ("__str__", "kind", "user", "run", "month", "state", "created_at", "sent_at", "attempts",
                    "services", "last_error")  # fmt: skip
    list_filter = ("kind", "state")
    list_select_related = ("user", "run")
    search_fields = ("user__username__startswith",)
    show_full_result_count = False
    readonly_fields = ("kind", "user", "run", "month", "state", "created_at", "next_attempt_at", "sent_at",
                       "attempts", "last_error", "language", "services")  # fmt: skip
    raw_id_fields = ("user", "run")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
