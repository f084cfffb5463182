from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_http_methods

from telecom_panel import health, metrics

urlpatterns = [
    path(
        "connexion/",
        # A form view answers PUT like POST, and redirects a signed-in user before it looks at the
        # method: only what a sign-in page needs, checked first.
        require_http_methods(["GET", "HEAD", "POST"])(
            auth_views.LoginView.as_view(redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("customer_api.urls")),
    path("compte/api/", include("customer_api.panel_urls")),
    path("compte/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("annuaire/", include("directory.urls")),
    path("", include("lines.urls")),
]

handler400 = "telecom_panel.errors.bad_request"
