"""Demo configuration of deadlines: Guangdong practice, editable in the admin."""

from django.db import transaction

from yiwang.routing.models import Category

from .deadlines import DEFAULT_DAYS, DEFAULT_RESPONSE_DAYS, DEFAULT_URGENT_HOURS
from .models import DeadlinePolicy

URGENT = [("城乡建设", "安全生产"), ("经济管理", "安全生产"), ("卫生计生", "公共卫生")]


@transaction.atomic
def load_deadline_policies() -> int:
    n = 0
    for request_type, days in DEFAULT_DAYS.items():
        DeadlinePolicy.objects.update_or_create(
            request_type=request_type,
            category=None,
            defaults={"working_days": days, "response_days": DEFAULT_RESPONSE_DAYS},
        )
        n += 1
    for l1, l2 in URGENT:
        category = Category.objects.filter(level=2, name=l2, parent__name=l1).first()
        if category is None:
            continue
        Category.objects.filter(pk=category.pk).update(is_urgent=True)
        for request_type in ("求助", "投诉", "举报"):
            DeadlinePolicy.objects.update_or_create(
                request_type=request_type,
                category=category,
                defaults={"working_days": 1, "response_days": 1, "urgent_hours": DEFAULT_URGENT_HOURS},
            )
            n += 1
    return n
