"""Open311 GeoReport v2, mounted at /open311/v2/. The format is the resource's suffix: .json or .xml."""

from django.urls import re_path

from . import views

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    # The root serves the discovery document, as the Service Discovery page suggests.
    re_path(r"^$", views.discovery, name="root"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + FMT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token_id>[^/]+?)" + FMT, views.token, name="token"),
    # FixMyStreet's extension: updates of requests, both ways.
    re_path(r"^servicerequestupdates" + FMT, views.service_request_updates, name="updates"),
    # Everything else: the spec's 404 error document (JSON when the path asks for .json).
    re_path(r"^(?P<rest>.*?)(?:\.(?P<fmt>json|xml))?$", views.not_found, name="not_found"),
]
