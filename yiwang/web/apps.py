from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The server-rendered workbench of every role: portal, hotline desk, dispatch, unit, grid."""

    name = "yiwang.web"
    label = "web"
    verbose_name = _("工作台")

    def ready(self):
        from django.contrib import admin

        # The admin's own titles; its colours come from templates/admin/base_site.html.
        admin.site.site_header = _("一网 管理后台")
        admin.site.site_title = _("一网 管理后台")
        admin.site.index_title = _("平台配置：区域、单位、分类、权责清单、时限、节假日、用户")
