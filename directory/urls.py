from django.urls import path

from . import views

urlpatterns = [
    path("", views.search, name="directory_search"),
    path("inverse/", views.reverse_search, name="directory_reverse"),
]
