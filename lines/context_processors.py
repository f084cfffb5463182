from .models import Service


def missing_details(request):
    """The banner on every panel page: how many active services still lack contact details, and
    the first one to complete. Two indexed queries, whatever the number of services."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff:
        return {}
    missing = Service.objects.owned_by(user).active().filter(contact_details__isnull=True)
    count = missing.count()
    first = missing.order_by("number").only("number").first() if count else None
    return {"missing_details_count": count, "missing_details_first": first}
