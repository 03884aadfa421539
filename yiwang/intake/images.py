"""Image attachments: recognise the type from the bytes, read the EXIF GPS position, strip metadata.

The type comes from the content (Pillow opens the bytes and names the format), never from the file
name or the client's Content-Type. Only JPEG, PNG and WebP are kept. The stored copy is re-encoded
from the pixels alone, so EXIF (position, camera serial, time), XMP, comments and text chunks are
gone; the EXIF orientation is applied to the pixels first so the photo still stands upright. The
GPS position is read before that and returned in WGS84 decimal degrees (EXIF positions are WGS84).
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from yiwang.core.errors import ApplicationError

FORMATS = {  # Pillow format -> (content type, file extension)
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


@dataclass(frozen=True)
class CleanImage:
    data: bytes  # the re-encoded image, without metadata
    content_type: str
    extension: str
    width: int
    height: int
    gps: tuple[float, float] | None  # (lon, lat), WGS84


def _ratio(value) -> float:
    if isinstance(value, tuple) and len(value) == 2:  # (numerator, denominator) from old writers
        return value[0] / value[1] if value[1] else math.nan
    return float(value)


def dms_to_degrees(dms, ref: str | None) -> float | None:
    """EXIF (degrees, minutes, seconds) rationals and N/S/E/W -> signed decimal degrees."""
    try:
        parts = [_ratio(v) for v in dms]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not parts or len(parts) > 3 or not all(math.isfinite(p) and p >= 0 for p in parts):
        return None
    parts += [0.0] * (3 - len(parts))
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if (ref or "").strip().upper() in ("S", "W"):
        degrees = -degrees
    return degrees


def exif_gps(image: Image.Image) -> tuple[float, float] | None:
    """(lon, lat) from the image's EXIF GPS block, or None when there is no usable fix."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # noqa: BLE001 - a broken EXIF block means no position, not a refused photo
        return None
    if not gps:
        return None
    tags = ExifTags.GPS
    datum = gps.get(tags.GPSMapDatum)
    if isinstance(datum, bytes):
        datum = datum.decode("ascii", "ignore")
    if datum and "WGS" not in str(datum).upper().replace("-", "").replace(" ", ""):
        return None  # another datum (e.g. TOKYO): not converted, better no position than a wrong one
    lat = dms_to_degrees(gps.get(tags.GPSLatitude) or (), gps.get(tags.GPSLatitudeRef))
    lon = dms_to_degrees(gps.get(tags.GPSLongitude) or (), gps.get(tags.GPSLongitudeRef))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    if lat == 0 and lon == 0:
        return None  # "no fix" written as zeros
    return round(lon, 7), round(lat, 7)


def clean_image(raw: bytes, *, max_pixels: int) -> CleanImage:
    """Check the bytes are a JPEG, PNG or WebP image and return a metadata-free copy and its GPS."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            kind = FORMATS.get(image.format or "")
            if kind is None:
                raise ApplicationError(
                    "unsupported_media_type",
                    _("只接受 JPEG、PNG 或 WebP 格式的图片（按文件内容判断，不看扩展名）。"),
                    fields={"file": image.format or "?"},
                    status=415,
                )
            width, height = image.size
            if width * height > max_pixels:
                raise ApplicationError(
                    "image_too_large",
                    _("图片像素过多（最多 %(n)d 万像素），请缩小后再上传。") % {"n": max_pixels // 10_000},
                    fields={"file": f"{width}x{height}"},
                    status=413,
                )
            gps = exif_gps(image)
            image.seek(0)  # the first frame of an animation
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApplicationError(
            "unsupported_media_type",
            _("只接受 JPEG、PNG 或 WebP 格式的图片（按文件内容判断，不看扩展名）。"),
            fields={"file": _("无法识别为图片")},
            status=415,
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ApplicationError(
            "invalid_image", _("图片文件已损坏或不完整，请重新上传。"), fields={"file": _("无法读取")}
        ) from None

    content_type, extension = kind
    icc_profile = image.info.get("icc_profile")  # colours, not personal data: kept
    upright = ImageOps.exif_transpose(image)
    upright.info = {}  # nothing of the original's metadata may reach the encoder
    out = io.BytesIO()
    params: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if image.format == "JPEG":
        if upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(out, "JPEG", quality=90, optimize=True, **params)
    elif image.format == "PNG":
        upright.save(out, "PNG", optimize=True, **params)
    else:
        if upright.mode not in ("RGB", "RGBA"):
            upright = upright.convert("RGBA" if "A" in upright.mode else "RGB")
        upright.save(out, "WEBP", quality=90, **params)
    return CleanImage(out.getvalue(), content_type, extension, upright.width, upright.height, gps)
