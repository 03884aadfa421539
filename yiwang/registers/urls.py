from django.urls import path, re_path

from . import views

app_name = "registers"
GRID = r"(?P<code>\d{15})"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.imports, name="imports"),
    path("import/<int:batch_id>/", views.batch, name="batch"),
    path("import/<int:batch_id>/check", views.batch_check, name="batch_check"),
    path("import/<int:batch_id>/apply", views.batch_apply, name="batch_apply"),
    path("import/<int:batch_id>/cancel", views.batch_cancel, name="batch_cancel"),
    path("import/template/<str:register>.csv", views.import_template, name="import_template"),
    path("record/<str:register>/<int:record_id>/", views.record, name="record"),
    path("record/<str:register>/<int:record_id>/reveal", views.reveal, name="reveal"),
    path("record/<str:register>/<int:record_id>/edit", views.record_edit, name="edit"),
    path("record/<str:register>/<int:record_id>/visit", views.record_visit, name="visit"),
    re_path(rf"^{GRID}/$", views.grid_file, name="grid"),
    re_path(rf"^{GRID}/(?P<register>people|buildings|organisations|facilities)/$", views.register_list, name="list"),
]
