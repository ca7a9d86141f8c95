import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from catalog import images
from catalog.demo_images import draw_product_image
from catalog.errors import CatalogError
from catalog.images import (StoredImage, delete_image_files, image_urls,
                            store_product_image)
from marketplace.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed


def encode(image: Image.Image, fmt: str, **options) -> io.BytesIO:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    buffer.seek(0)
    return buffer


def left_red_right_blue(size=(400, 200)) -> Image.Image:
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    return image


def noisy(size=(400, 300)) -> Image.Image:
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def open_rendition(root: Path, stored: StoredImage, name: str) -> Image.Image:
    image = Image.open(root / stored.files[name])
    image.load()
    return image


def is_red(pixel) -> bool:
    return pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60


def is_blue(pixel) -> bool:
    return pixel[0] < 60 and pixel[1] < 60 and pixel[2] > 200


def png_declaring(width: int, height: int) -> io.BytesIO:
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG").getvalue())
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:33] = ihdr + struct.pack(">I", zlib.crc32(ihdr))
    return io.BytesIO(bytes(data))


def test_a_photo_is_stored_as_three_webp_renditions_under_a_sharded_key(tmp_path):
    stored = store_product_image(encode(noisy(), "JPEG"), tmp_path)

    assert stored.files == {name: f"products/{stored.key[:2]}/{stored.key}-{name}.webp"
                            for name in ("thumb", "medium", "large")}
    assert sorted(files_under(tmp_path)) == sorted(tmp_path / path for path in stored.files.values())
    assert all(open_rendition(tmp_path, stored, name).format == "WEBP" for name in stored.files)


def test_exif_orientation_is_applied_and_every_piece_of_metadata_is_stripped(tmp_path):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (31.0, 37.0, 48.0)}
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    upload = encode(left_red_right_blue((400, 200)), "JPEG", exif=exif, xmp=xmp, quality=95)
    with Image.open(upload) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo) and "xmp" in original.info
    upload.seek(0)

    stored = store_product_image(upload, tmp_path)

    assert (stored.width, stored.height) == (200, 400)
    for name in stored.files:
        rendition = open_rendition(tmp_path, stored, name)
        assert not rendition.getexif()
        assert not {"exif", "xmp", "icc_profile"} & rendition.info.keys()
        raw = (tmp_path / stored.files[name]).read_bytes()
        assert b"EXIF" not in raw and b"XMP " not in raw and b"PhoneCo" not in raw
    large = open_rendition(tmp_path, stored, "large").convert("RGB")
    # orientation 6 means "rotate 90° clockwise to display": the red left half becomes the top half
    assert is_red(large.getpixel((100, 50))) and is_blue(large.getpixel((100, 350)))


@pytest.mark.parametrize("fmt, size, expected", [
    ("JPEG", (4000, 3000), {"thumb": (256, 192), "medium": (800, 600), "large": (1600, 1200)}),
    ("PNG", (1000, 2500), {"thumb": (102, 256), "medium": (320, 800), "large": (640, 1600)}),
    ("WEBP", (300, 200), {"thumb": (256, 171), "medium": (300, 200), "large": (300, 200)}),
    ("PNG", (100, 50), {"thumb": (100, 50), "medium": (100, 50), "large": (100, 50)}),
])
def test_renditions_fit_256_800_1600_px_on_the_longest_side_and_never_upscale(tmp_path, fmt, size, expected):
    stored = store_product_image(encode(Image.new("RGB", size, (180, 120, 60)), fmt), tmp_path)

    assert {name: open_rendition(tmp_path, stored, name).size for name in stored.files} == expected
    assert (stored.width, stored.height) == expected["large"]


def red_with_clear_left_quarter(mode: str) -> Image.Image:
    if mode == "P":
        image = Image.new("P", (400, 200), 1)
        image.putpalette([0, 0, 0, 255, 0, 0])
        image.paste(0, (0, 0, 100, 200))
        return image
    image = Image.new("RGBA", (400, 200), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 100, 200))
    return image


@pytest.mark.parametrize("mode, fmt, options", [
    ("RGBA", "PNG", {}),
    ("P", "PNG", {"transparency": 0}),
    ("RGBA", "WEBP", {"lossless": True}),
])
def test_transparency_is_kept(tmp_path, mode, fmt, options):
    upload = encode(red_with_clear_left_quarter(mode), fmt, **options)

    stored = store_product_image(upload, tmp_path)

    large = open_rendition(tmp_path, stored, "large")
    assert large.mode == "RGBA"
    assert large.getpixel((50, 100))[3] == 0
    assert large.getpixel((350, 100))[3] == 255 and is_red(large.getpixel((350, 100)))


def test_a_cmyk_jpeg_is_converted_to_rgb(tmp_path):
    cmyk = Image.new("CMYK", (300, 200), (0, 255, 255, 0))  # pure red in CMYK

    stored = store_product_image(encode(cmyk, "JPEG"), tmp_path)

    large = open_rendition(tmp_path, stored, "large")
    assert large.mode == "RGB" and is_red(large.getpixel((150, 100)))


def test_a_16_bit_greyscale_png_is_scaled_not_clipped(tmp_path):
    grey = Image.new("I;16", (300, 200), 0x8000)
    upload = encode(grey, "PNG")
    with Image.open(upload) as reopened:
        assert reopened.mode == "I;16"
    upload.seek(0)

    stored = store_product_image(upload, tmp_path)

    red, green, blue = open_rendition(tmp_path, stored, "large").getpixel((150, 100))
    assert 120 <= red <= 136 and red == green == blue


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_an_animated_image_keeps_only_its_first_frame(tmp_path, fmt):
    red, blue = Image.new("RGB", (120, 80), "red"), Image.new("RGB", (120, 80), "blue")
    upload = encode(red, fmt, save_all=True, append_images=[blue], duration=100, loop=0, lossless=True)
    with Image.open(upload) as animated:
        assert getattr(animated, "n_frames", 1) == 2
    upload.seek(0)

    stored = store_product_image(upload, tmp_path)

    large = open_rendition(tmp_path, stored, "large")
    assert getattr(large, "n_frames", 1) == 1
    assert is_red(large.getpixel((60, 40)))


@pytest.mark.parametrize("width, height", [(50_000, 50_000), (8_000, 6_000)])
def test_a_decompression_bomb_is_refused_from_its_header(tmp_path, width, height):
    upload = png_declaring(width, height)
    assert len(upload.getvalue()) < 100

    with pytest.raises(ValidationFailed) as caught:
        store_product_image(upload, tmp_path)

    assert caught.value.code == CatalogError.IMAGE_TOO_MANY_PIXELS
    assert caught.value.status == 422
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_image_is_corrupt(tmp_path, fmt):
    data = encode(noisy(), fmt).getvalue()

    with pytest.raises(ValidationFailed) as caught:
        store_product_image(io.BytesIO(data[: len(data) // 2]), tmp_path)

    assert caught.value.code == CatalogError.IMAGE_CORRUPT
    assert files_under(tmp_path) == []


def test_a_truncated_image_is_corrupt_in_a_process_that_renders_invoices(tmp_path):
    """Importing WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process; uploads still fail."""
    import orders.invoices.rendering  # noqa: F401

    data = encode(noisy(), "JPEG").getvalue()
    with pytest.raises(ValidationFailed) as caught:
        store_product_image(io.BytesIO(data[: len(data) // 2]), tmp_path)

    assert caught.value.code == CatalogError.IMAGE_CORRUPT


def test_a_jpeg_cut_inside_its_header_is_corrupt_not_unsupported(tmp_path):
    with pytest.raises(ValidationFailed) as caught:
        store_product_image(io.BytesIO(encode(noisy(), "JPEG").getvalue()[:20]), tmp_path)

    assert caught.value.code == CatalogError.IMAGE_CORRUPT


@pytest.mark.parametrize("data", [
    pytest.param(b"<!doctype html><html><body><script>alert(1)</script></body></html>", id="html-named-jpg"),
    pytest.param(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", id="pdf"),
    pytest.param(encode(noisy((40, 30)), "GIF").getvalue(), id="gif"),
    pytest.param(encode(noisy((40, 30)), "BMP").getvalue(), id="bmp"),
    pytest.param(encode(noisy((40, 30)), "TIFF").getvalue(), id="tiff"),
    pytest.param(b"", id="empty"),
])
def test_anything_but_jpeg_png_or_webp_is_an_unsupported_media_type(tmp_path, data):
    with pytest.raises(UnsupportedMediaType) as caught:
        store_product_image(io.BytesIO(data), tmp_path)

    assert caught.value.code == CatalogError.IMAGE_UNSUPPORTED_FORMAT
    assert caught.value.status == 415
    assert files_under(tmp_path) == []


def test_more_than_10_mb_is_too_large_before_any_decoding(tmp_path):
    with pytest.raises(PayloadTooLarge) as caught:
        store_product_image(io.BytesIO(os.urandom(10 * 1024 * 1024 + 1)), tmp_path)

    assert caught.value.code == CatalogError.IMAGE_TOO_LARGE
    assert caught.value.status == 413
    assert files_under(tmp_path) == []


def test_exactly_max_bytes_passes_the_size_check(tmp_path):
    data = encode(noisy((64, 64)), "PNG").getvalue()

    stored = store_product_image(io.BytesIO(data), tmp_path, max_bytes=len(data))
    assert stored.width == 64

    with pytest.raises(PayloadTooLarge):
        store_product_image(io.BytesIO(data), tmp_path, max_bytes=len(data) - 1)


def test_a_stream_returning_short_reads_is_read_to_the_end(tmp_path):
    class Trickle(io.BytesIO):
        def read(self, size=-1):
            return super().read(min(size, 7) if size and size > 0 else 7)

    stored = store_product_image(Trickle(encode(noisy(), "JPEG").getvalue()), tmp_path)

    assert (stored.width, stored.height) == (400, 300)


def test_a_failure_while_writing_leaves_no_file_behind(tmp_path, monkeypatch):
    real_write, calls = images._write_atomically, []

    def write_then_fail(path, payload):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        real_write(path, payload)

    monkeypatch.setattr(images, "_write_atomically", write_then_fail)

    with pytest.raises(OSError, match="disk full"):
        store_product_image(encode(noisy(), "JPEG"), tmp_path)

    assert len(calls) == 3
    assert files_under(tmp_path) == []


def test_the_same_upload_twice_gets_two_distinct_unguessable_keys(tmp_path):
    data = encode(noisy(), "JPEG").getvalue()

    first = store_product_image(io.BytesIO(data), tmp_path)
    second = store_product_image(io.BytesIO(data), tmp_path)

    assert first.key != second.key
    assert len(first.key) >= 24 and len(set(first.key)) > 8
    assert len(files_under(tmp_path)) == 6


def test_deleting_removes_the_files_and_is_idempotent(tmp_path):
    stored = store_product_image(encode(noisy(), "JPEG"), tmp_path)

    delete_image_files(tmp_path, stored.files)
    assert files_under(tmp_path) == []
    delete_image_files(tmp_path, stored.files)


@pytest.mark.parametrize("path", ["../outside.webp", "products/../../outside.webp", "/tmp/outside.webp", "."])
def test_deleting_refuses_paths_outside_the_media_root(tmp_path, path):
    media_root = tmp_path / "media"
    media_root.mkdir()
    outside = tmp_path / "outside.webp"
    outside.write_bytes(b"keep me")
    stored = store_product_image(encode(noisy(), "JPEG"), media_root)

    with pytest.raises(ValueError):
        delete_image_files(media_root, {**stored.files, "evil": path})

    assert outside.exists()
    assert len(files_under(media_root)) == 3


def test_image_urls_join_the_prefix_and_the_relative_paths():
    files = {"thumb": "products/ab/abc-thumb.webp", "medium": "products/ab/abc-medium.webp",
             "large": "products/ab/abc-large.webp"}

    assert image_urls(files, "https://cdn.example/media/") == {
        "thumb": "https://cdn.example/media/products/ab/abc-thumb.webp",
        "medium": "https://cdn.example/media/products/ab/abc-medium.webp",
        "large": "https://cdn.example/media/products/ab/abc-large.webp",
    }


def test_a_demo_product_image_is_a_jpeg_that_depends_only_on_its_seed(tmp_path):
    first = draw_product_image("Huile d'argan bio", seed=7)

    with Image.open(io.BytesIO(first)) as image:
        assert (image.format, image.size) == ("JPEG", (1200, 900))
    assert draw_product_image("Huile d'argan bio", seed=7) == first
    assert draw_product_image("Huile d'argan bio", seed=8) != first
    assert store_product_image(io.BytesIO(first), tmp_path).width == 1200
