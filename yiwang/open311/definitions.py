"""The service definition every Open311 service shares: the attributes a client fills in beside the
spec's own fields. One place, read both to publish GET services/{code} and to check a POST.

- request_type (required): the 12345 request type, which sets the case's deadlines.
- subcategory (optional, only where the service has level-3 categories): files the case one level
  deeper than the service.
- requester_kind (optional): resident, overseas Chinese, Hong Kong/Macao resident, enterprise or
  anonymous (anonymous drops name and phone, as every other channel does).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from yiwang.cases.models import RequesterKind, RequestType
from yiwang.routing.models import Category


@dataclass(frozen=True)
class Attribute:
    code: str
    required: bool
    order: int
    description: str
    values: list[tuple[str, str]]  # (key, name)
    datatype: str = "singlevaluelist"
    variable: bool = True
    datatype_description: str | None = None


def attributes_for(service: Category) -> list[Attribute]:
    children = getattr(service, "active_children", None)
    if children is None:
        children = list(service.children.filter(is_active=True).order_by("code"))
    out = [
        Attribute(
            code="request_type",
            required=True,
            order=1,
            description=_("诉求类型：决定办理时限（咨询 2 个工作日，求助、建议 10 个，投诉、举报 15 个）"),
            values=[(value, str(label)) for value, label in RequestType.choices],
            datatype_description=_("从列表中选择一项"),
        )
    ]
    if children:
        out.append(
            Attribute(
                code="subcategory",
                required=False,
                order=2,
                description=_("细分类（可选）：在“%(s)s”之下更具体的分类") % {"s": service.name},
                values=[(c.code, c.name) for c in children],
                datatype_description=_("从列表中选择一项，或不填"),
            )
        )
    out.append(
        Attribute(
            code="requester_kind",
            required=False,
            order=len(out) + 1,
            description=_("诉求人类别（可选，默认居民）；匿名时不保存姓名和电话"),
            values=[(value, str(label)) for value, label in RequesterKind.choices],
            datatype_description=_("从列表中选择一项，或不填"),
        )
    )
    return out
