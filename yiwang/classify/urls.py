from django.urls import path

from . import views

app_name = "classify"
urlpatterns = [
    path("", views.model_page, name="model"),
    path("activate/", views.activate, name="activate"),
    path("cases/<str:number>/similar/", views.similar, name="similar"),
]
