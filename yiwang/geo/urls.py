from django.urls import path

from . import views

app_name = "geo"
urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("areas.geojson", views.areas_geojson, name="areas_geojson"),
    path("locate", views.locate_view, name="locate"),
]
