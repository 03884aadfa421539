"""{% registers_case_context case %}: a case's place context (building, organisations, earlier cases),
for any case page. It holds no personal data, so every desk may show it; the link to the grid's file
appears only for people who may open it."""

from django import template

from .. import access
from ..selectors import case_place_context

register = template.Library()


@register.inclusion_tag("registers/_case_context.html", takes_context=True)
def registers_case_context(context, case):
    user = context.get("user")
    ctx = case_place_context(case, user=user)
    ctx["grid_link"] = bool(ctx["grid"] and user is not None and access.can_read(user, ctx["grid"]["code"]))
    return {"ctx": ctx, "user": user}
