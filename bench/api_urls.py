"""The project's URLs plus `bench/floor`, the floor of `python -m bench.api`: the same server,
workers and middleware doing the least a database-backed answer can, one SQL query (one service
row read by its primary key) answered as a small JSON object."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path

from telecom_panel.urls import urlpatterns as panel_urlpatterns


def floor(request):
    """`GET /bench/floor?id=<service id>`: `{"id": ..., "number": ...}`, or 404 with `{}`."""
    service_id = request.GET.get("id", "")
    if not (service_id.isascii() and service_id.isdigit() and len(service_id) <= 18):
        return JsonResponse({}, status=404)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, number FROM lines_service WHERE id = %s", [int(service_id)])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({}, status=404)
    return JsonResponse({"id": row[0], "number": row[1]})


urlpatterns = [path("bench/floor", floor, name="bench_floor"), *panel_urlpatterns]
