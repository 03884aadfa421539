"""Image attachments: type by content, size and count limits, EXIF stripped, EXIF GPS places a case."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from yiwang.cases.models import Case
from yiwang.intake.images import dms_to_degrees
from yiwang.intake.models import Attachment

from .conftest import BODY, call

pytestmark = pytest.mark.django_db
IN_JIANGMEN = (113.0812, 22.6015)  # 蓬江区
IN_BEIJING = (116.4, 39.9)


def _dms(value: float):
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = ((value - degrees) * 60 - minutes) * 60
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(round(seconds * 10000), 10000))


def photo(fmt="JPEG", gps=None, size=(64, 48), orientation=None) -> bytes:
    """A real image made with Pillow, with camera EXIF and optionally a GPS position."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.DateTimeOriginal] = "2025:05:01 10:00:00"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        lon, lat = gps
        exif[ExifTags.Base.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            ExifTags.GPS.GPSLatitude: _dms(abs(lat)),
            ExifTags.GPS.GPSLongitudeRef: "E" if lon >= 0 else "W",
            ExifTags.GPS.GPSLongitude: _dms(abs(lon)),
            ExifTags.GPS.GPSMapDatum: "WGS-84",
        }
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def upload(client, token, raw: bytes, name="photo.jpg", content_type="image/jpeg", **extra):
    return client.post(
        "/api/v1/attachments",
        {"file": SimpleUploadedFile(name, raw, content_type=content_type)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def test_an_uploaded_photo_is_stored_without_exif_under_a_random_name(client, tokens, media):
    # given: a JPEG with camera data, a GPS position and a rotation flag
    raw = photo(gps=IN_JIANGMEN, orientation=6)
    # when
    response = upload(client, tokens["resident"], raw, name="张三家门口.jpg")
    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/jpeg" and body["gps"] == pytest.approx(
        {"lon": IN_JIANGMEN[0], "lat": IN_JIANGMEN[1]}, abs=1e-5
    )
    stored = media / Attachment.objects.get(token=body["token"]).file
    assert stored.exists() and "张三" not in stored.name and body["token"] in stored.name
    data = stored.read_bytes()
    assert b"SecretCam" not in data and b"2025:05:01" not in data
    kept = Image.open(io.BytesIO(data))
    assert not kept.getexif() and kept.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert (body["width"], body["height"]) == (48, 64) == kept.size  # the rotation went into the pixels


def test_a_report_without_a_point_is_placed_by_its_photo(client, tokens, media):
    # given: an uploaded photo taken in 蓬江区
    token = upload(client, tokens["resident"], photo(gps=IN_JIANGMEN)).json()["token"]
    # when: a complaint with neither point nor address
    body = {**BODY, "lon": None, "lat": None, "attachments": [token]}
    response = call(client, "post", "/cases", tokens["resident"], body)
    # then
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["placement"] == "gps" and case["placement_note"]
    assert (case["lon"], case["lat"]) == pytest.approx(IN_JIANGMEN, abs=1e-5)
    assert case["grid_code"].startswith("440703")
    assert case["attachments"][0]["url"].startswith("/media/attachments/")
    stored = Case.objects.get(number=case["number"])
    assert stored.attachment_files.get().token == token
    assert stored.events.get(action="create").payload["placement_note"] == "exif"


def test_a_given_point_wins_over_the_photo(client, tokens, media):
    token = upload(client, tokens["resident"], photo(gps=(112.79, 21.95))).json()["token"]  # 台山
    case = call(client, "post", "/cases", tokens["resident"], {**BODY, "attachments": [token]}).json()
    assert (case["lon"], case["lat"]) == (BODY["lon"], BODY["lat"]) and case["placement_note"] == ""


def test_a_photo_taken_outside_the_city_does_not_place_a_report(client, tokens, media):
    token = upload(client, tokens["resident"], photo(gps=IN_BEIJING)).json()["token"]
    body = {**BODY, "lon": None, "lat": None, "attachments": [token]}
    refused = call(client, "post", "/cases", tokens["resident"], body)
    assert refused.status_code == 400 and "address" in refused.json()["fields"]
    placed = call(client, "post", "/cases", tokens["resident"], {**body, "address": "江门市新会区会城街道"})
    assert placed.status_code == 201 and placed.json()["placement"] == "address"


def test_the_type_comes_from_the_content_not_the_name(client, tokens, media):
    # a PNG named .jpg and sent as image/jpeg is kept as the PNG it is
    png = upload(client, tokens["resident"], photo("PNG"), name="x.jpg", content_type="image/jpeg")
    assert png.status_code == 201 and png.json()["content_type"] == "image/png"
    webp = upload(client, tokens["resident"], photo("WEBP", gps=IN_JIANGMEN), name="x.webp")
    assert webp.status_code == 201 and webp.json()["content_type"] == "image/webp"
    # a GIF, a script and a PDF named .jpg are refused
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    for raw in (gif.getvalue(), b"<script>alert(1)</script>", b"%PDF-1.4 fake"):
        response = upload(client, tokens["resident"], raw, name="photo.jpg")
        assert response.status_code == 415, response.content
        assert response.json()["code"] == "unsupported_media_type"
    truncated = upload(client, tokens["resident"], photo()[:300])
    assert truncated.status_code in (400, 415) and set(truncated.json()) == {"code", "message", "fields"}
    assert Attachment.objects.filter(content_type="image/jpeg").count() == 0


def test_size_and_pixel_limits(client, tokens, media, settings):
    settings.INTAKE_ATTACHMENT_MAX_BYTES = 2000
    big = photo(size=(400, 400))
    assert len(big) > 2000
    response = upload(client, tokens["resident"], big)
    assert response.status_code == 413 and response.json()["code"] == "attachment_too_large"
    settings.INTAKE_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    settings.INTAKE_ATTACHMENT_MAX_PIXELS = 100 * 100
    response = upload(client, tokens["resident"], big)
    assert response.status_code == 413 and response.json()["code"] == "image_too_large"


def test_at_most_six_attachments_each_used_once_by_its_uploader(client, tokens, media):
    tokens_ = [upload(client, tokens["resident"], photo()).json()["token"] for _ in range(7)]
    seven = call(client, "post", "/cases", tokens["resident"], {**BODY, "attachments": tokens_})
    assert seven.status_code == 400 and "6" in seven.json()["fields"]["attachments"]
    # someone else's upload cannot be used
    theirs = call(client, "post", "/cases", tokens["resident2"], {**BODY, "attachments": tokens_[:1]})
    assert theirs.status_code == 400 and "attachments" in theirs.json()["fields"]
    # six are fine, once
    six = call(client, "post", "/cases", tokens["resident"], {**BODY, "attachments": tokens_[:6]})
    assert six.status_code == 201 and len(six.json()["attachments"]) == 6
    again = call(client, "post", "/cases", tokens["resident"], {**BODY, "attachments": tokens_[:1]})
    assert again.status_code == 400
    unknown = call(client, "post", "/cases", tokens["resident"], {**BODY, "attachments": ["nope"]})
    assert unknown.status_code == 400


def test_uploading_needs_a_login(client, media):
    response = client.post("/api/v1/attachments", {"file": SimpleUploadedFile("a.jpg", photo())})
    assert response.status_code == 401


def test_exif_degrees():
    assert dms_to_degrees((22, 36, 0), "N") == pytest.approx(22.6)
    assert dms_to_degrees((113, 4, 48), b"W") == pytest.approx(-113.08)
    assert dms_to_degrees(((22, 1), (30, 1), (0, 1)), "S") == pytest.approx(-22.5)
    assert dms_to_degrees(((22, 0), (30, 1)), "N") is None  # a zero denominator
    assert dms_to_degrees((), "N") is None


def test_the_upload_route_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    upload_op = doc["paths"]["/api/v1/attachments"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert "/api/v1/cases/{number}/duplicates" in doc["paths"]


def test_a_retried_report_with_a_photo_returns_the_first_case(client, tokens, media):
    # given: a report with a photo was accepted, but its answer was lost on the way
    token = upload(client, tokens["resident"], photo()).json()["token"]
    body = {**BODY, "attachments": [token]}
    first = call(client, "post", "/cases", tokens["resident"], body, HTTP_IDEMPOTENCY_KEY="photo-1")
    assert first.status_code == 201, first.content
    # when: the app sends it again with the same key (the photo now belongs to the first case)
    again = call(client, "post", "/cases", tokens["resident"], body, HTTP_IDEMPOTENCY_KEY="photo-1")
    # then: the same case, not a refusal of the photo and not a second case
    assert again.status_code == 201, again.content
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.filter(title=BODY["title"]).count() == 1
    # and without the key, the used photo is still refused
    other = call(client, "post", "/cases", tokens["resident"], body)
    assert other.status_code == 400 and "attachments" in other.json()["fields"]
