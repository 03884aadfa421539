from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from yiwang.core import clock

from . import lockout
from .models import ApiToken, LoginLock, User
from .services import token_revoke


@admin.register(User)
class YiwangUserAdmin(UserAdmin):
    list_display = ("username", "role", "unit", "area", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (
        (_("角色与范围"), {"fields": ("role", "unit", "area", "phone", "language")}),
    )
    raw_id_fields = ("unit", "area")
    actions = ["unlock_login"]

    @admin.action(description=_("解除登录锁定"))
    def unlock_login(self, request, queryset):
        cleared = sum(lockout.login_unlock(username=u.username) for u in queryset)
        self.message_user(request, _("已解除 %(n)d 个账号的登录锁定。") % {"n": cleared}, messages.SUCCESS)


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    list_display = ("scope", "key", "failures", "last_failure_at", "locked_until", "is_locked")
    list_filter = ("scope",)
    search_fields = ("key",)
    readonly_fields = ("scope", "key", "failures", "window_started_at", "last_failure_at", "locked_until")
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description=_("锁定中"))
    def is_locked(self, obj):
        return bool(obj.locked_until and obj.locked_until > clock.now())

    @admin.action(description=_("解除锁定"))
    def unlock(self, request, queryset):
        count = queryset.delete()[0]
        self.message_user(request, _("已解除 %(n)d 项登录锁定。") % {"n": count}, messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__username", "name")
    readonly_fields = ("user", "prefix", "name", "created_at", "expires_at", "revoked_at", "last_used_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a key is shown once: `yiwang token create`

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(token=token)
        self.message_user(
            request,
            _("已吊销 %(n)d 个令牌。") % {"n": len(tokens)},
            messages.SUCCESS,
        )
