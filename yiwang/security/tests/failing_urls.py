"""The project's URLs plus two views that fail, to see what a failure answers (test_bad_input.py)."""

from django.urls import path

from yiwang.urls import handler404, handler500, urlpatterns  # noqa: F401  the project's handlers


def failing(request):
    raise RuntimeError("a failure nobody expected")


urlpatterns = [path("api/v1/failing", failing), path("failing", failing), *urlpatterns]
