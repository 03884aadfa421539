from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class YiwangUserAdmin(UserAdmin):
    list_display = ("username", "role", "unit", "area", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (
        (_("角色与范围"), {"fields": ("role", "unit", "area", "phone", "language")}),
    )
    raw_id_fields = ("unit", "area")
