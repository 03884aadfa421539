import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
application = get_wsgi_application()

from yiwang.security.checks import refuse_to_serve  # noqa: E402  (after Django is set up)

refuse_to_serve()  # no production server without its own secrets
