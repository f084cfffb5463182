from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from telecom_panel.admin_search import BoundedSearchMixin, bound_every_search

from .models import User


@admin.register(User)
class PanelUserAdmin(BoundedSearchMixin, UserAdmin):
    # What support answers "why did I get (no) e-mail?" with: the customer's e-mail preferences.
    fieldsets = (*UserAdmin.fieldsets, (_("E-mails"), {"fields": ("language", "details_reminders")}))


# accounts is the first of our apps: what the third-party apps registered is in the site by now.
bound_every_search(admin.site)
