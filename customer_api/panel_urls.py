"""The panel's pages for API access, under /compte/api/ (customer_api.views)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.api_access, name="api_access"),
    path("applications/nouvelle/", views.api_application_create, name="api_application_create"),
    path("applications/<int:pk>/revoquer/", views.api_application_revoke, name="api_application_revoke"),
    path("cles/<int:pk>/revoquer/", views.api_key_revoke, name="api_key_revoke"),
    path("autorisation/", views.api_consent, name="api_consent"),
    path("documentation/", views.api_help, name="api_help"),
]
