"""The workbench's forms. They parse what people type; the rules of the loop stay in the services,
whose refusals (ApplicationError) are put back next to the fields they name (`add_service_error`)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import Role
from yiwang.cases.models import Card, Channel, Placement, RequesterKind, RequestType, Satisfaction, Status
from yiwang.cases.services import CaseInput
from yiwang.core.errors import ApplicationError
from yiwang.intake.validators import Invalid, parse_id_document, parse_phone
from yiwang.routing.models import Category, Unit

YES_NO = [("yes", _("是")), ("no", _("否"))]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input (phones offer the camera for `accept=image/*`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal on the form: its message on top, each named field next to its input."""
    aliases = getattr(form, "error_aliases", {})
    message = str(exc.message)
    shown = set()
    for key, detail in (exc.fields or {}).items():
        name = aliases.get(key, key)
        if name not in form.fields:
            continue
        # A field's detail is either a message or the offending value echoed back (a code, a
        # number); next to the input the person needs words, so an echo shows the main message.
        typed = form.data.get(name, "") if hasattr(form.data, "get") else ""
        text = str(detail) if isinstance(detail, str | Promise) else ""
        if not text.strip() or text == str(typed) or text == "None":
            text = message
        form.add_error(name, text)
        shown.add(text)
    if message not in shown:
        form.add_error(None, message)


def _phone(value: str) -> str:
    """Normalised with the intake's rules (+852 …, 0750-…, 138…)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return parse_phone(value).normalized
    except Invalid as exc:
        raise forms.ValidationError(str(exc.message)) from None


def category_choices(*, blank=_("（由系统/派遣员判断）")):
    rows = Category.objects.filter(is_active=True, level__lte=2).select_related("parent").order_by("code")
    groups: dict[str, list] = {}
    order = []
    for c in rows:
        if c.level == 1:
            groups.setdefault(c.code, [(c.code, c.display_name)])
            order.append((c.code, c.display_name))
        else:
            groups.setdefault(c.parent.code, []).append((c.code, f"{c.parent.display_name} / {c.display_name}"))
    return [("", blank)] + [(name, groups.get(code, [])) for code, name in order]


def unit_choices():
    groups: dict[str, list] = {}
    labels = dict(Unit.Kind.choices)
    for u in Unit.objects.filter(is_active=True).order_by("kind", "code"):
        groups.setdefault(u.kind, []).append((u.code, u.display_name))
    return [(labels.get(k, k), v) for k, v in groups.items()]


# --------------------------------------------------------------------------- intake
class PlaceMixin(forms.Form):
    """A place: a point (picked on the map or from the device's position) and/or an address."""

    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    lon = forms.FloatField(label=_("经度"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("纬度"), required=False, min_value=-90, max_value=90)
    placement = forms.ChoiceField(
        choices=[("", "")] + [(p, p) for p in (Placement.GPS, Placement.MAP, Placement.ADDRESS)],
        required=False,
        widget=forms.HiddenInput,
    )

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        if (lon is None) != (lat is None):
            self.add_error("lat" if lat is None else "lon", _("经度和纬度须同时填写"))
        if lon is None and lat is None and data.get("placement") in (Placement.GPS, Placement.MAP):
            data["placement"] = ""
        return data

    def place_kwargs(self) -> dict:
        d = self.cleaned_data
        placement = d.get("placement") or None
        if d.get("lon") is None and d.get("address"):
            placement = Placement.ADDRESS
        elif d.get("lon") is not None and placement is None:
            placement = Placement.MAP
        return {
            "lon": d.get("lon"),
            "lat": d.get("lat"),
            "address": d.get("address") or "",
            "placement": placement,
        }


class PortalSubmitForm(PlaceMixin):
    request_type = forms.ChoiceField(
        label=_("诉求类型"), choices=RequestType.choices, initial=RequestType.COMPLAINT
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    requester_name = forms.CharField(label=_("姓名"), max_length=100, required=False)
    requester_phone = forms.CharField(
        label=_("手机号"),
        max_length=30,
        required=False,
        help_text=_("用于接收办理进度短信，并凭编号和手机号查询进度"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    requester_kind = forms.ChoiceField(
        label=_("身份"),
        choices=[c for c in RequesterKind.choices if c[0] != RequesterKind.ANONYMOUS],
        initial=RequesterKind.RESIDENT,
    )
    photos = MultipleImageField(label=_("照片（可选）"))

    field_order = ["request_type", "title", "text", "address", "lon", "lat"]

    def __init__(self, *args, photos_enabled: bool = False, phone_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not photos_enabled:
            del self.fields["photos"]
        self.fields["requester_phone"].required = phone_required

    def clean_requester_phone(self):
        return _phone(self.cleaned_data.get("requester_phone"))

    def to_input(self, *, language: str) -> CaseInput:
        d = self.cleaned_data
        return CaseInput(
            request_type=d["request_type"],
            title=d["title"],
            text=d["text"],
            requester_name=d.get("requester_name") or "",
            requester_phone=d.get("requester_phone") or "",
            requester_kind=d["requester_kind"],
            requester_language=language,
            channel=Channel.WEB,
            **self.place_kwargs(),
        )


class HotlineIntakeForm(PlaceMixin):
    requester_phone = forms.CharField(
        label=_("来电号码"), max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    requester_name = forms.CharField(label=_("诉求人姓名"), max_length=100, required=False)
    requester_kind = forms.ChoiceField(
        label=_("诉求人类别"), choices=RequesterKind.choices, initial=RequesterKind.RESIDENT
    )
    requester_language = forms.ChoiceField(label=_("沟通语言"), choices=settings.LANGUAGES, initial="zh-hans")
    requester_id_number = forms.CharField(label=_("证件号码（可选）"), max_length=40, required=False)
    request_type = forms.ChoiceField(
        label=_("诉求类型"), choices=RequestType.choices, initial=RequestType.CONSULT
    )
    category = forms.ChoiceField(label=_("分类"), required=False)
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
    answer_text = forms.CharField(
        label=_("直接答复内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("咨询类可从右侧知识库引用以往答复，填写后点“直接答复办结”"),
    )
    quoted = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput(attrs={"data-quoted": ""}))

    field_order = [
        "requester_phone",
        "requester_name",
        "requester_kind",
        "requester_language",
        "requester_id_number",
        "request_type",
        "category",
        "title",
        "text",
        "address",
        "lon",
        "lat",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()

    def clean_requester_phone(self):
        return _phone(self.cleaned_data.get("requester_phone"))

    def clean_requester_id_number(self):
        raw = (self.cleaned_data.get("requester_id_number") or "").strip()
        if not raw:
            return ""
        try:
            return parse_id_document(raw, self.data.get("requester_kind") or RequesterKind.RESIDENT).number
        except Invalid as exc:
            raise forms.ValidationError(str(exc.message)) from None

    def to_input(self) -> CaseInput:
        d = self.cleaned_data
        return CaseInput(
            request_type=d["request_type"],
            title=d["title"],
            text=d["text"],
            category_code=d.get("category") or None,
            requester_name=d.get("requester_name") or "",
            requester_phone=d.get("requester_phone") or "",
            requester_id_number=d.get("requester_id_number") or "",
            requester_kind=d["requester_kind"],
            requester_language=d["requester_language"],
            channel=Channel.HOTLINE,
            **self.place_kwargs(),
        )


class PatrolForm(PlaceMixin):
    request_type = forms.ChoiceField(label=_("类型"), choices=RequestType.choices, initial=RequestType.HELP)
    title = forms.CharField(label=_("问题"), max_length=200)
    text = forms.CharField(label=_("情况描述"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    photos = MultipleImageField(label=_("现场照片"))
    fixed = forms.BooleanField(label=_("已现场自行处置"), required=False)
    fix_note = forms.CharField(
        label=_("处置情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=480
    )

    field_order = ["title", "request_type", "text", "photos", "lon", "lat", "address", "fixed", "fix_note"]

    def __init__(self, *args, photos_enabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not photos_enabled:
            del self.fields["photos"]

    def clean(self):
        data = super().clean()
        if data.get("fixed") and not (data.get("fix_note") or "").strip():
            self.add_error("fix_note", _("请说明现场是怎样处置的"))
        if data.get("lon") is None and not data.get("address"):
            self.add_error("lon", _("请定位（使用当前位置或在地图上选点），或填写地址"))
        return data

    def to_input(self, *, language: str) -> CaseInput:
        d = self.cleaned_data
        return CaseInput(
            request_type=d["request_type"],
            title=d["title"],
            text=d["text"],
            requester_kind=RequesterKind.RESIDENT,
            requester_language=language,
            channel=Channel.PATROL,
            **self.place_kwargs(),
        )


# --------------------------------------------------------------------------- following a case
class FollowForm(forms.Form):
    number = forms.CharField(
        label=_("诉求编号"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("登记的手机号"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


# --------------------------------------------------------------------------- moves of the loop
class MoveForm(forms.Form):
    """Base of every move's form: the version the person saw (a newer one means someone else acted)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def payload(self) -> dict:
        return {}


class AcceptForm(MoveForm):
    category = forms.ChoiceField(label=_("确认分类"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(blank=_("（保持当前分类）"))

    def payload(self):
        return {"category": self.cleaned_data["category"]} if self.cleaned_data.get("category") else {}


class ReasonForm(MoveForm):
    reason = forms.CharField(
        label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )

    def payload(self):
        return {"reason": self.cleaned_data.get("reason") or ""}


class TextForm(MoveForm):
    text = forms.CharField(
        label=_("答复内容"), required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    # The past replies quoted into the text (site.js fills it): their requesters are looked for in
    # the text before it is sent (reply_drafts.hold_for_confirmation).
    quoted = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput(attrs={"data-quoted": ""}))

    def payload(self):
        return {"text": self.cleaned_data.get("text") or ""}


class MergeForm(MoveForm):
    into = forms.CharField(label=_("并入主件编号"), max_length=20, required=False)

    def payload(self):
        return {"into": (self.cleaned_data.get("into") or "").strip()}


class DispatchForm(MoveForm):
    # A wrong category (often the classifier's, on a case the platform routed by itself) is corrected
    # here too: the unit is then chosen for the new one, and the classifier learns from the change.
    category = forms.ChoiceField(
        label=_("分类"),
        required=False,
        help_text=_("改了分类且主办单位留空时，按新分类的权责清单选择承办单位。"),
    )
    lead_unit = forms.ChoiceField(
        label=_("主办单位"), required=False, widget=forms.Select(attrs={"data-filter": _("输入单位名称筛选")})
    )
    assisting_units = forms.MultipleChoiceField(
        label=_("协办单位"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 5, "data-filter": _("输入单位名称筛选")}),
    )
    reason = forms.CharField(label=_("派遣意见"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(blank=_("（保持当前分类）"))
        units = unit_choices()  # one query for both lists
        self.fields["lead_unit"].choices = [("", _("（按权责清单自动选择）")), *units]
        self.fields["assisting_units"].choices = units

    unit_or_new_category = False  # set for a returned case (views.common.for_case)

    def clean(self):
        data = super().clean()
        if self.unit_or_new_category and not data.get("lead_unit") and not data.get("category"):
            self.add_error("lead_unit", _("请选择承办单位：分类不变时，权责清单会再次选中退回的单位。"))
        return data

    def payload(self):
        d = self.cleaned_data
        out = {"assisting_units": d.get("assisting_units") or [], "reason": d.get("reason") or ""}
        if d.get("lead_unit"):
            out["lead_unit"] = d["lead_unit"]
        if d.get("category"):
            out["category"] = d["category"]
        return out


class AcceptDispatchForm(DispatchForm):
    """受理并派遣: the new case's category confirmed and its unit chosen in one step."""

    def accept_payload(self):
        return {"category": self.cleaned_data["category"]} if self.cleaned_data.get("category") else {}

    def dispatch_payload(self):
        out = self.payload()
        out.pop("category", None)  # confirmed by the acceptance
        return out


class ExtendRequestForm(MoveForm):
    days = forms.IntegerField(label=_("延期工作日数"), required=False, min_value=1, max_value=30)
    reason = forms.CharField(
        label=_("延期理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )

    def payload(self):
        return {"days": self.cleaned_data.get("days"), "reason": self.cleaned_data.get("reason") or ""}


class ExtendDecisionForm(MoveForm):
    # No default: the dispatcher chooses (an approval by one careless click would move the deadline).
    decision = forms.ChoiceField(
        label=_("审批"), choices=[("", _("请选择")), ("approve", _("批准延期")), ("deny", _("不批准"))]
    )
    reason = forms.CharField(label=_("意见"), required=False, max_length=500)

    def payload(self):
        return {"decision": self.cleaned_data["decision"], "reason": self.cleaned_data.get("reason") or ""}


class SuperviseForm(MoveForm):
    card = forms.ChoiceField(label=_("督办牌"), choices=[(Card.YELLOW, _("黄牌")), (Card.RED, _("红牌"))])
    escalate = forms.BooleanField(label=_("红牌上报"), required=False)
    note = forms.CharField(label=_("督办意见"), required=False, max_length=500)

    def payload(self):
        d = self.cleaned_data
        return {"card": d["card"], "escalate": bool(d.get("escalate")), "note": d.get("note") or ""}


class VerifyForm(MoveForm):
    passed = forms.ChoiceField(
        label=_("核查结果"),
        choices=[("yes", _("通过：问题已解决")), ("no", _("不通过：退回重办"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("核查说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )

    def payload(self):
        return {"passed": self.cleaned_data["passed"] == "yes", "note": self.cleaned_data.get("note") or ""}


class RateForm(MoveForm):
    satisfaction = forms.ChoiceField(
        label=_("您对办理结果"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    solved = forms.ChoiceField(label=_("问题是否已解决"), choices=YES_NO, widget=forms.RadioSelect)

    def payload(self):
        return {
            "satisfaction": self.cleaned_data["satisfaction"],
            "solved": self.cleaned_data["solved"] == "yes",
        }


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=480)


class CoHandlingForm(forms.Form):
    units = forms.MultipleChoiceField(
        label=_("请求协办的单位"), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-filter": _("输入单位名称筛选")}),
    )
    reason = forms.CharField(
        label=_("需要协办的事项"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = unit_choices()


class CoHandlingDecisionForm(forms.Form):
    request_id = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", _("同意协办")), ("deny", _("不同意"))])
    note = forms.CharField(label=_("意见"), required=False, max_length=500)


class BulkForm(forms.Form):
    """One move for the cases ticked in the dispatcher's queue (services.bulk_move). Each ticked box is
    `number@version`: the version the dispatcher saw, so a case changed since is refused, not moved."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    queue = forms.CharField(widget=forms.HiddenInput, max_length=20, required=False)
    action = forms.ChoiceField(
        label=_("对勾选的诉求件"), choices=[("", _("请选择操作")), ("reject", _("不予受理")), ("merge", _("并案"))]
    )
    reason = forms.CharField(
        label=_("理由（每件诉求的群众都会收到）"), required=False, max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("如：无效诉求，内容为广告")}),
    )
    into = forms.CharField(label=_("并入主件编号"), max_length=20, required=False)

    def clean(self):
        data = super().clean()
        picks = []
        for value in self.data.getlist("cases") if hasattr(self.data, "getlist") else []:
            number, _sep, version = value.partition("@")
            if number and (not version or version.isdigit()):
                picks.append((number.strip(), int(version) if version else None))
        data["picks"] = list(dict.fromkeys(picks))
        if not picks:
            self.add_error(None, _("请先勾选要处理的诉求件。"))
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("不予受理须说明理由"))
        if data.get("action") == "merge" and not (data.get("into") or "").strip():
            self.add_error("into", _("请指定并入的主件编号"))
        return data

    def picked(self) -> set[str]:
        """The numbers ticked (to show them ticked again when the form comes back with an error)."""
        values = self.data.getlist("cases") if hasattr(self.data, "getlist") else []
        return {v.partition("@")[0] for v in values}

    def payload(self) -> dict:
        d = self.cleaned_data
        out = {"reason": (d.get("reason") or "").strip()}
        if d["action"] == "merge":
            out["into"] = d["into"].strip()
        return out


class UnitFilterForm(forms.Form):
    """The unit desk's search and filters (GET); every field may be left out."""

    STATUSES = [
        ("", _("待办（全部未答复）")),
        (Status.DISPATCHED, _("待签收")),
        (Status.IN_PROGRESS, _("处置中")),
        (Status.RETURNED, _("已退回")),
        (Status.SUSPENDED, _("挂起")),
        (Status.REPLIED, _("已反馈")),
        (Status.VERIFYING, _("待核查")),
        ("finished", _("已办结")),
        ("all", _("全部")),
    ]
    DEADLINES = [("", _("全部时限")), ("overdue", _("已超时")), ("soon", _("临近到期")), ("ontime", _("时间充裕"))]

    q = forms.CharField(label=_("查找"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("编号、标题、内容或地点")}))
    status = forms.ChoiceField(label=_("状态"), choices=STATUSES, required=False)
    deadline = forms.ChoiceField(label=_("时限"), choices=DEADLINES, required=False)
    category = forms.ChoiceField(label=_("分类"), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(blank=_("全部分类"))


# Which form each move takes. `extend` depends on who acts (a unit asks, the dispatcher decides).
MOVE_FORMS: dict[str, type[MoveForm]] = {
    "accept": AcceptForm,
    "reject": ReasonForm,
    "answer": TextForm,
    "merge": MergeForm,
    "dispatch": DispatchForm,
    "redispatch": DispatchForm,
    "sign": MoveForm,
    "return": ReasonForm,
    "reply": TextForm,
    "suspend": ReasonForm,
    "resume": MoveForm,
    "supervise": SuperviseForm,
    "check": MoveForm,
    "verify": VerifyForm,
    "reopen": ReasonForm,
    "close": MoveForm,
    "rate": RateForm,
}


def move_form_class(action: str, role: str) -> type[MoveForm]:
    if action == "extend":
        return ExtendRequestForm if role in (Role.HANDLER, Role.UNIT_LEADER) else ExtendDecisionForm
    return MOVE_FORMS[action]



AUDIT_FIRST_DAY, AUDIT_LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)

class AuditFilterForm(forms.Form):
    """The audit page's filters (GET). Every field may be left out; the cursors page the result."""

    case = forms.CharField(label=_("诉求编号"), required=False, max_length=32)
    action = forms.ChoiceField(label=_("操作"), required=False)
    actor = forms.CharField(label=_("操作人账号"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("角色"), required=False)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from .audit import action_choices, role_choices

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("全部操作")), *action_choices()]
        self.fields["role"].choices = [("", _("全部角色")), *role_choices()]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", start), ("date_to", end)):
            if day and not AUDIT_FIRST_DAY <= day <= AUDIT_LAST_DAY:  # the day after must be a date too
                self.add_error(name, _("日期须在 %(a)s 至 %(b)s 之间") % {
                    "a": AUDIT_FIRST_DAY.isoformat(), "b": AUDIT_LAST_DAY.isoformat()})
                data.pop(name, None)
                start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return data

    def filters(self):
        from .audit import EventFilters

        d = self.cleaned_data
        return EventFilters(
            case=(d.get("case") or "").strip(),
            action=d.get("action") or "",
            actor=(d.get("actor") or "").strip(),
            role=d.get("role") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )


class RevealForm(forms.Form):
    """Ask to see one of a case's personal values in full; the reason is logged with the look."""

    FIELDS = [
        ("requester_phone", _("联系电话")),
        ("requester_name", _("诉求人姓名")),
        ("requester_id_number", _("证件号码")),
    ]
    field = forms.ChoiceField(label=_("查看哪一项"), choices=FIELDS)
    reason = forms.CharField(
        label=_("查看理由"),
        max_length=500,
        min_length=2,
        help_text=_("理由与查看人、时间一并记录，供审计。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
