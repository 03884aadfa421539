from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.revisions import revision_queryset

from . import names as localized

# Optional translations of a data name; the reader's language picks one (see names.py).
NAME_EN_HELP = _("英文界面显示此名称；留空则显示中文名称")
NAME_ZH_HANT_HELP = _("繁体界面显示此名称；留空则由简体名称自动转换（OpenCC）")


class Unit(models.Model):
    """A handling unit 承办单位: a municipal bureau, a district government, a town or street office."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("市直部门")
        DISTRICT = "district", _("区(市)政府")
        TOWN = "town", _("镇(街)")
        COMMAND = "command", _("指挥中心")
        OTHER = "other", _("其他")

    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True, help_text=NAME_EN_HELP)
    name_zh_hant = models.CharField(_("繁体名称"), max_length=100, blank=True, help_text=NAME_ZH_HANT_HELP)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    # The area the unit answers for (the whole city for a bureau, its district or town otherwise).
    area = models.ForeignKey(
        "geo.Area",
        verbose_name=_("辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = revision_queryset("routing").as_manager()  # bulk edits reach every process's snapshot

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language (zh-hans, zh-hant or en)."""
        return localized.display_name(self)


class Category(models.Model):
    """One node of the three-level category tree (一级/二级/三级分类)."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True, help_text=NAME_EN_HELP)
    name_zh_hant = models.CharField(_("繁体名称"), max_length=64, blank=True, help_text=NAME_ZH_HANT_HELP)
    level = models.PositiveSmallIntegerField(_("层级"), choices=[(1, "1"), (2, "2"), (3, "3")])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_urgent = models.BooleanField(_("紧急类"), default=False, help_text=_("紧急类按工作小时计时限"))
    is_active = models.BooleanField(_("启用"), default=True)

    objects = revision_queryset("routing").as_manager()  # bulk edits reach every process's snapshot

    class Meta:
        verbose_name = _("分类")
        verbose_name_plural = _("分类")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent")
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        node, names = self, []
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))

    @property
    def display_name(self) -> str:
        """The name in the active language (zh-hans, zh-hant or en)."""
        return localized.display_name(self)

    @property
    def display_path(self) -> str:
        """The path in the active language (Environmental protection / Air pollution)."""
        return localized.display_path(self)

    def lineage(self) -> list["Category"]:
        node, out = self, []
        while node is not None:
            out.append(node)
            node = node.parent
        return out


class ResponsibilityRule(models.Model):
    """One line of the responsibility list 权责清单: (category, area) -> lead unit and assisting units.

    A rule on a higher category covers every category below it; a rule on a higher area covers every
    area below it. The most specific area wins, then the most specific category.
    """

    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.CASCADE, related_name="rules"
    )
    area = models.ForeignKey(
        "geo.Area", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="rules"
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="lead_rules"
    )
    assisting_units = models.ManyToManyField(
        Unit, verbose_name=_("协办单位"), blank=True, related_name="assist_rules"
    )
    note = models.CharField(_("依据"), max_length=200, blank=True)

    objects = revision_queryset("routing").as_manager()  # bulk edits reach every process's snapshot

    class Meta:
        verbose_name = _("权责清单条目")
        verbose_name_plural = _("权责清单")
        constraints = [models.UniqueConstraint(fields=["category", "area"], name="rule_unique_category_area")]

    def __str__(self) -> str:
        return f"{self.category} @ {self.area} -> {self.lead_unit}"
