from django.urls import path

from . import views

app_name = "programmes"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("task/<int:task_id>/", views.task, name="task"),
    path("task/<int:task_id>/report/<str:period>/", views.report_file, name="file"),
    path("report/<int:report_id>/approve", views.report_approve, name="approve"),
    path("report/<int:report_id>/return", views.report_return, name="return"),
    path("attachment/<int:attachment_id>", views.attachment, name="attachment"),
    path("export.xlsx", views.export, name="export"),
    path("print/", views.printable, name="print"),
    path("import/", views.imports, name="imports"),
    path("import/template/<str:kind>.xlsx", views.import_template, name="import_template"),
]
