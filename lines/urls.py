from django.urls import path, register_converter

from . import api, views


class E164DigitsConverter:
    """A service's number in URLs: its E.164 digits without the plus (`33972102030`)."""

    regex = "[1-9][0-9]{6,14}"

    def to_python(self, value):
        return f"+{value}"

    def to_url(self, value):
        return str(value).lstrip("+")


register_converter(E164DigitsConverter, "e164")

urlpatterns = [
    path("", views.home, name="home"),
    path("telephonie/", views.service_list, name="service_list"),
    path("telephonie/appliquer/", views.bulk_apply, name="bulk_apply"),
    path("telephonie/communes/<str:postcode>/", views.postcode_communes, name="postcode_communes"),
    path("telephonie/appliquer/<int:job_id>/", views.bulk_apply_job, name="bulk_apply_job"),
    path("telephonie/<e164:number>/", views.service_overview, name="service_overview"),
    path("telephonie/<e164:number>/coordonnees/", views.service_contact, name="service_contact"),
    path(
        "telephonie/<e164:number>/coordonnees/modifier/",
        views.service_contact_edit,
        name="service_contact_edit",
    ),
    path("telephonie/<e164:number>/urgences/", views.service_emergency, name="service_emergency"),
    path("telephonie/<e164:number>/historique/", views.service_history, name="service_history"),
    path("telephonie/<e164:number>/historique/<int:change_id>/", views.service_change, name="service_change"),
    # For the operator's own systems (bearer token): call routing and the porting desk.
    path("api/urgence/<e164:number>/", api.emergency_location, name="api_emergency_location"),
    path("api/portabilite/verifier/", api.port_out_check_api, name="api_port_out_check"),
]
