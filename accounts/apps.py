from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes")

    def ready(self):
        from .permissions import ensure_staff_groups
        from .signin import forget_own_failures

        # After the last app's migrations, when every permission exists.
        post_migrate.connect(ensure_staff_groups, dispatch_uid="accounts.ensure_staff_groups")
        user_logged_in.connect(forget_own_failures, dispatch_uid="accounts.forget_own_failures")
