from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "yiwang.registers"
    label = "registers"
    verbose_name = _("一格一档")

    def ready(self):
        # The security app's logged reveal accepts only the personal fields registered with it.
        from yiwang.security.personal import register

        from .personal import PERSONAL_FIELDS

        for model, fields in PERSONAL_FIELDS.items():
            register(f"registers.{model}", fields)
