"""Support reads customers' API applications and keys (who, what rights, which state, last use)
to answer "why is my script refused?": nothing is written here; a customer revokes on Accès API.
Secrets are never shown, nor what they derive from (the salt, the hashes)."""

from django.contrib import admin

from telecom_panel.admin_search import BoundedSearchMixin

from .models import ApiApplication, ConsumerKey


class ReadOnlyAdmin(BoundedSearchMixin, admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiApplication)
class ApiApplicationAdmin(ReadOnlyAdmin):
    list_display = ("name", "owner", "key", "created_at", "revoked_at")
    list_select_related = ("owner",)
    search_fields = ("=key", "=owner__username")
    fields = ("name", "description", "owner", "key", "created_at", "revoked_at")
    readonly_fields = fields


@admin.register(ConsumerKey)
class ConsumerKeyAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "owner", "state", "created_at", "validated_at", "expires_at", "last_used_at")
    list_filter = ("state",)
    list_select_related = ("application", "owner")
    search_fields = ("=application__key", "=owner__username")
    fields = ("application", "owner", "state", "rules", "allowed_ips", "redirection", "created_at",
              "validated_at", "expires_at", "last_used_at")  # fmt: skip
    readonly_fields = fields
