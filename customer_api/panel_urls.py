"""The panel's pages for API access (being written): applications, consent, Accès API, help."""

urlpatterns = []
