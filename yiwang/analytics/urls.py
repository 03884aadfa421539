from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.cockpit, name="cockpit"),
    path("export/<str:kind>.xlsx", views.export, name="export"),
    path("report/", views.report, name="report"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
]
