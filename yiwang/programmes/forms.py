from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    value = forms.CharField(label=_("本期数值"), max_length=30)
    notes = forms.CharField(label=_("进展情况"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label=_("附件（图片或 PDF）"), required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
        help_text=_("最多 5 个，每个不超过 5 MB。"),
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=[("indicators", _("指标和任务")), ("reports", _("进展报送"))])
    file = forms.FileField(label=_("XLSX 文件"))
