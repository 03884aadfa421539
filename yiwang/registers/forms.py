from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Register, VisitKind

IMPORTABLE = [(r.value, r.label) for r in (Register.PERSON, Register.BUILDING, Register.ORGANISATION, Register.FACILITY)]


class UploadForm(forms.Form):
    register = forms.ChoiceField(label=_("导入到"), choices=IMPORTABLE)
    source = forms.CharField(label=_("来源部门"), max_length=100, help_text=_("例如：公安局、卫健局、市场监管局"))
    file = forms.FileField(label=_("部门文件（CSV 或 XLSX）"))


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("走访类型"), choices=VisitKind.choices)
    note = forms.CharField(label=_("走访情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
