from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.decorators.http import require_http_methods, require_safe

from . import views

form_methods = require_http_methods(["GET", "HEAD", "POST"])

urlpatterns = [
    path("securite/", views.security, name="account_security"),
    path("securite/double-authentification/", views.otp_setup, name="otp_setup"),
    path("securite/double-authentification/nouvelle/", views.otp_start, name="otp_start"),
    path("securite/double-authentification/desactiver/", views.otp_disable, name="otp_disable"),
    path("securite/e-mails/", views.email_preferences, name="email_preferences"),
    path("verification/", views.otp_verify, name="otp_verify"),
    path(
        "mot-de-passe/",
        form_methods(auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done"))),
        name="password_change",
    ),
    path(
        "mot-de-passe/modifie/",
        require_safe(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    # Reset by e-mail. The answer is the same whether or not the address is known, so the form
    # does not tell who is a customer.
    path(
        "mot-de-passe/oublie/",
        form_methods(views.ThrottledPasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oublie/envoye/",
        require_safe(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        form_methods(views.UnlockingPasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        require_safe(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]
