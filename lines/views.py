"""Customer panel pages. Every view looks objects up through the signed-in customer."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Service


@login_required
def service_list(request):
    """Téléphonie: the customer's services grouped by billing account."""
    services = (
        Service.objects.owned_by(request.user)
        .select_related("billing_account", "contact_details", "publication")
        .order_by("billing_account__reference", "number")
    )
    return render(request, "lines/service_list.html", {"services": services})
