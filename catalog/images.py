"""Product image intake: decode untrusted uploads with Pillow and store clean WebP renditions.

Only the stream's bytes are trusted as far as Pillow can decode them; file names and declared content types
never reach this module. The original bytes are never written: what is stored is re-encoded pixels with no
metadata. Animated images (animated WebP, APNG) are reduced to their first frame.
"""
from __future__ import annotations

import io
import math
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from PIL import Image, ImageCms, ImageOps

from catalog.errors import CatalogError
from marketplace.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from marketplace.uploads import read_limited

SIZES: dict[str, int] = {"thumb": 256, "medium": 800, "large": 1600}
WEBP_QUALITY = 80
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class StoredImage:
    key: str
    width: int
    height: int
    files: dict[str, str]


def store_product_image(stream: BinaryIO, media_root: Path, *, max_bytes: int = 10 * 1024 * 1024,
                        max_pixels: int = 40_000_000) -> StoredImage:
    """Decode an upload and write its thumb/medium/large WebP renditions; all three files or none."""
    data = read_limited(stream, max_bytes, PayloadTooLarge(
        CatalogError.IMAGE_TOO_LARGE, f"The image is larger than {max_bytes} bytes.",
        {"file": [f"At most {max_bytes} bytes."]}))
    image = _decode(data, max_pixels)
    renditions = _renditions(image)
    key = secrets.token_hex(16)  # hex, not urlsafe base64: keys must not collide on case-insensitive disks
    files = {name: f"products/{key[:2]}/{key}-{name}.webp" for name in SIZES}
    _write_all(Path(media_root), {files[name]: payload for name, (payload, _) in renditions.items()})
    width, height = renditions["large"][1]
    return StoredImage(key=key, width=width, height=height, files=files)


def delete_image_files(media_root: Path, files: Mapping[str, str]) -> None:
    """Remove an image's renditions; missing files are fine, a path outside media_root is a ValueError."""
    paths = [_inside(Path(media_root), relative) for relative in files.values()]
    for path in paths:
        path.unlink(missing_ok=True)


def image_urls(files: Mapping[str, str], media_url_prefix: str) -> dict[str, str]:
    """Public URLs of the thumb, medium and large renditions."""
    prefix = media_url_prefix.rstrip("/")
    return {name: f"{prefix}/{quote(files[name])}" for name in SIZES}


def _decode(data: bytes, max_pixels: int) -> Image.Image:
    too_many = ValidationFailed(CatalogError.IMAGE_TOO_MANY_PIXELS,
                                f"The image has more than {max_pixels} pixels.",
                                {"file": [f"At most {max_pixels} pixels."]})
    try:
        im = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many from None
    except Exception:
        if _looks_supported(data):
            raise _corrupt() from None
        raise UnsupportedMediaType(CatalogError.IMAGE_UNSUPPORTED_FORMAT,
                                   "The file is not a JPEG, PNG or WebP image.",
                                   {"file": ["Upload a JPEG, PNG or WebP image."]}) from None
    with im:
        # Image.open only parsed the header: refuse bombs before a single pixel is decoded
        width, height = im.size
        if width * height > max_pixels:
            raise too_many
        _draft_for_largest_rendition(im)
        try:
            im.load()  # the first frame; ImageFile.LOAD_TRUNCATED_IMAGES stays False so truncation raises
            oriented = ImageOps.exif_transpose(im)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None
        except Exception:  # Pillow reports damaged data with many exception types
            raise _corrupt() from None
    clean = _to_srgb(oriented)
    clean.info = {}
    return clean


def _corrupt() -> ValidationFailed:
    return ValidationFailed(CatalogError.IMAGE_CORRUPT, "The image is damaged or truncated.",
                            {"file": ["The image could not be decoded."]})


def _looks_supported(data: bytes) -> bool:
    return data.startswith(_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _draft_for_largest_rendition(im: Image.Image) -> None:
    # JPEG can decode at 1/2, 1/4, 1/8 scale: a big photo then never occupies full-size memory
    if im.format not in ("JPEG", "MPO"):
        return
    scale = SIZES["large"] / max(im.size)
    if scale < 1:
        im.draft(None, (math.ceil(im.width * scale), math.ceil(im.height * scale)))


def _to_srgb(im: Image.Image) -> Image.Image:
    alpha = im.has_transparency_data
    if im.mode.startswith("I"):
        # 16-bit greyscale: convert() would clip at 255, so scale down to 8 bits first
        im = im.convert("I").point(lambda value: value / 256).convert("L")
    target = "RGBA" if alpha else "RGB"
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "RGBA", "CMYK"):
        try:
            im = ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB,
                                           outputMode=target)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken or mismatched profile is dropped, not fatal
    return im.convert(target)


def _renditions(im: Image.Image) -> dict[str, tuple[bytes, tuple[int, int]]]:
    renditions = {}
    source = im
    for name, side in sorted(SIZES.items(), key=lambda item: -item[1]):
        scale = min(1.0, side / max(source.size))  # never upscale
        size = (max(1, round(source.width * scale)), max(1, round(source.height * scale)))
        if size != source.size:
            source = source.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        buffer = io.BytesIO()
        source.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
        renditions[name] = (buffer.getvalue(), source.size)
    return renditions


def _write_all(media_root: Path, payloads: Mapping[str, bytes]) -> None:
    written: list[Path] = []
    try:
        for relative, payload in payloads.items():
            path = media_root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, payload)
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _write_atomically(path: Path, payload: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _inside(media_root: Path, relative: str) -> Path:
    root = media_root.resolve()
    path = (root / relative).resolve()
    if path == root or not path.is_relative_to(root):
        raise ValueError(f"{relative!r} is outside the media root")
    return path
