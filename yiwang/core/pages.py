"""The signed-in page decorator the apps' pages share."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from .errors import ApplicationError


def signed_in_page(section):
    """A page's decorator: sign-in required (else the login page), and a guard's refusal
    (ApplicationError 4xx) renders core/refused.html with its message and status, under the title
    `section` (the app's name for people)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                return view(request, *args, **kwargs)
            except ApplicationError as exc:
                if 400 <= exc.status_code < 500:
                    context = {"message": exc.message, "section": section}
                    return render(request, "core/refused.html", context, status=exc.status_code)
                raise

        return wrapped

    return decorate
