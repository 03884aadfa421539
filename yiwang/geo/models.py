import shapely
from django.db import models
from django.utils.translation import gettext_lazy as _

from .names import area_name


class Level(models.IntegerChoices):
    CITY = 1, _("市")
    DISTRICT = 2, _("区(县级市)")
    TOWN = 3, _("镇(街道)")
    COMMUNITY = 4, _("社区(村)")
    GRID = 5, _("网格")


# Code length per level: the 12-digit statistical division code (shorter prefixes above it),
# extended with a 3-digit grid number as in Beijing's grid standard.
CODE_LENGTHS = {
    Level.CITY: (4, 6, 12),
    Level.DISTRICT: (6, 12),
    Level.TOWN: (9, 12),
    Level.COMMUNITY: (12,),
    Level.GRID: (15,),
}


class Area(models.Model):
    code = models.CharField(_("区划/网格编码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    # The name as English and traditional Chinese readers see it (geo/names.py): name_en is filled at
    # import with Hanyu Pinyin when the file gives none; name_zh_hant only where OpenCC's s2t is wrong.
    name_en = models.CharField(_("英文名称（拼音）"), max_length=200, blank=True)
    name_zh_hant = models.CharField(_("繁体名称"), max_length=100, blank=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices, db_index=True)
    kind = models.CharField(_("类别"), max_length=64, blank=True, help_text=_("街道、镇、社区、村……"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Polygon or MultiPolygon in WGS84 as WKB; portable across SQLite and PostgreSQL.
    geometry = models.BinaryField(_("边界"), null=True, blank=True)
    # True when the boundary is an approximation generated for the demo, not surveyed data.
    approximate = models.BooleanField(_("示意边界"), default=False)
    centroid_lon = models.FloatField(_("中心经度"), null=True, blank=True)
    centroid_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def display_name(self) -> str:
        return area_name(self.name, self.name_en, self.name_zh_hant)

    @property
    def shape(self):
        return shapely.from_wkb(bytes(self.geometry)) if self.geometry else None


class GeoRevision(models.Model):
    """A counter bumped whenever areas change, so every process knows to rebuild its index."""

    revision = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"geo revision {self.revision}"
