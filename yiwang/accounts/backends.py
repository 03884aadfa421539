"""The sign-in backend: Django's ModelBackend behind the lockout of lockout.py.

Every sign-in (the login page, the admin) goes through django.contrib.auth.authenticate, which asks
this backend. A username waiting at this address (lockout.py) is refused before the password is checked (so a lock
cannot be used to test passwords) and the person is told, in their language, when to try again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from yiwang.core.http import client_address  # the same address the rate limits use

from . import lockout


def request_address(request) -> str | None:
    if request is None:
        return None

    return client_address(request)


def lockout_message(until) -> str:
    local = timezone.localtime(until)
    return _("登录失败次数过多，已暂时锁定。请于 %(time)s 之后再试，或联系管理员解锁。") % {
        "time": formats.time_format(local, "H:i:s")
    }


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = request_address(request)
        until = lockout.login_locked_until(username=username, address=address)
        if until is not None:
            self._tell(request, until)
            raise PermissionDenied  # authenticate() stops here and sends user_login_failed
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            until = lockout.login_failed(username=username, address=address)
            if until is not None:
                self._tell(request, until)
            return None
        lockout.login_succeeded(username=username)
        return user

    @staticmethod
    def _tell(request, until) -> None:
        if request is not None and hasattr(request, "_messages"):
            messages.error(request, lockout_message(until))
