from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from yiwang.api import api
from yiwang.core.views import healthz

handler404 = "yiwang.platform.views.not_found"
handler500 = "yiwang.platform.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("yiwang.open311.urls")),
    path("geo/", include("yiwang.geo.urls")),
    path("grids/", include("yiwang.registers.urls")),
    path("cockpit/", include("yiwang.analytics.urls")),
    path("programmes/", include("yiwang.programmes.urls")),
    path("classifier/", include("yiwang.classify.urls")),
    path("", include("yiwang.web.urls")),
    path("", include("yiwang.platform.urls")),
]

if settings.DEMO_MODE:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
