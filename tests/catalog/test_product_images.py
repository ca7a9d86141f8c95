"""Uploading product pictures over HTTP: cleaned, resized, served under /media; refusals leave no file."""
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from tests.catalog.conftest import API, jpeg


def media_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def gps_photo(size=(3000, 2000)) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (30.0, 25.0, 12.0),
                                  ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (9.0, 35.0, 24.0)}
    return jpeg(size, "darkgoldenrod", exif=exif)


def png_declaring(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    header = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:33] = header + struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def test_a_gps_tagged_photo_is_served_stripped_and_resized(shop, manager, coop, client):
    product = shop.product(manager, coop)
    original = gps_photo()
    with Image.open(io.BytesIO(original)) as uploaded:
        assert uploaded.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    response = shop.image(manager, product["id"], original)

    assert response.status_code == 201, response.json
    assert set(response.json["urls"]) == {"thumb", "medium", "large"}
    assert (response.json["width"], response.json["height"]) == (1600, 1067)
    for name, longest in (("thumb", 256), ("medium", 800), ("large", 1600)):
        url = response.json["urls"][name]
        assert url.startswith("/media/products/")
        served = client.get(url)
        assert served.status_code == 200
        with Image.open(io.BytesIO(served.data)) as image:
            assert image.format == "WEBP" and max(image.size) == longest
            assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
        assert served.data != original
    detail = client.get(f"{API}/products/{product['id']}", headers=manager.headers).json
    assert detail["images"] == [response.json]


@pytest.mark.parametrize("data, status, code", [
    (png_declaring(50_000, 50_000), 422, "image_too_many_pixels"),
    (jpeg((800, 600))[:2000], 422, "image_corrupt"),
    (b"<!doctype html><html><script>alert(1)</script></html>", 415, "image_unsupported_format"),
    (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), 413, "image_too_large"),
])
def test_bad_uploads_are_refused_with_a_clear_code_and_leave_no_file(shop, manager, coop, data, status, code):
    product = shop.product(manager, coop)
    response = shop.image(manager, product["id"], data)
    assert response.status_code == status and response.json["error"]["code"] == code
    assert media_files(shop.app) == []
    assert shop.client.get(f"{API}/products/{product['id']}", headers=manager.headers).json["images"] == []


def test_a_body_over_the_request_limit_is_a_413(shop, manager, coop):
    product = shop.product(manager, coop)
    response = shop.image(manager, product["id"], b"\xff\xd8\xff" + b"\0" * (12 * 1024 * 1024))
    assert response.status_code == 413
    assert media_files(shop.app) == []


def test_an_upload_without_a_file_field_is_a_422(shop, manager, coop, client):
    product = shop.product(manager, coop)
    response = client.post(f"{API}/products/{product['id']}/images", headers=manager.headers,
                           data={"picture": (io.BytesIO(jpeg()), "x.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "file" in response.json["error"]["details"]


def test_a_product_has_at_most_ten_images(shop, manager, coop):
    product = shop.product(manager, coop)
    for _ in range(10):
        assert shop.image(manager, product["id"], jpeg((64, 64))).status_code == 201
    files_before = sorted(media_files(shop.app))
    refused = shop.image(manager, product["id"], jpeg((64, 64)))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "too_many_images"
    assert sorted(media_files(shop.app)) == files_before


def test_deleting_an_image_removes_its_files(shop, manager, coop, client):
    product = shop.product(manager, coop)
    image = shop.image(manager, product["id"]).json
    assert len(media_files(shop.app)) == 3

    response = client.delete(f"{API}/products/{product['id']}/images/{image['id']}", headers=manager.headers)

    assert response.status_code == 204
    assert media_files(shop.app) == []
    assert client.get(image["urls"]["thumb"]).status_code == 404
    assert client.delete(f"{API}/products/{product['id']}/images/{image['id']}",
                         headers=manager.headers).status_code == 404


def test_a_published_product_keeps_its_last_image(shop, manager, coop, client):
    product = shop.published(manager, coop, category="rugs-weaving", certify=False)
    image_id = product["images"][0]["id"]
    response = client.delete(f"{API}/products/{product['id']}/images/{image_id}", headers=manager.headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "last_image"
    assert len(media_files(shop.app)) == 3


def test_other_managers_cannot_add_or_delete_images(shop, manager, coop, users, client):
    product = shop.product(manager, coop)
    image = shop.image(manager, product["id"]).json
    intruder = users.cooperative()
    assert shop.image(intruder, product["id"]).status_code == 404
    assert client.delete(f"{API}/products/{product['id']}/images/{image['id']}",
                         headers=intruder.headers).status_code == 404
    assert shop.image(users.buyer(), product["id"]).status_code == 403
    assert len(media_files(shop.app)) == 3
