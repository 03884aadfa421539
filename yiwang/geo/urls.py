from django.urls import path

from . import views

app_name = "geo"
urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("areas.geojson", views.areas_geojson, name="areas_geojson"),
    path("labels.json", views.area_labels_view, name="labels"),
    path("search", views.area_search_view, name="search"),
    path("locate", views.locate_view, name="locate"),
]
